/** The Azure OpenAI adapter tests' defaults, bound to the shared builders (../builders.ts). */
import type { ImageJob } from '../../../src/domain/job.js';
import type { Route } from '../../../src/domain/adapter.js';
import { createAzureOpenAIAdapter } from '../../../src/providers/azure/adapter.js';
import { imageJob, upstreamRoute } from '../builders.js';

export { callContext, failure, inputImage, thrown } from '../builders.js';

export const AZURE_KEY = 'azure-fake-key';
export const ENTRA_TOKEN = 'entra-fake-token';
export const API_VERSION = '2025-04-01-preview';

export const adapter = createAzureOpenAIAdapter({ apiVersion: API_VERSION });

export const job = (over: Partial<ImageJob> = {}): ImageJob => imageJob({ model: 'gpt-image-1', ...over });

/** `fakeUrl` stands for AZURE_OPENAI_ENDPOINT (the resource's origin). */
export const azureRoute = (fakeUrl: string, upstreamModel = 'gpt-image-1', over: Partial<Route> = {}): Route =>
  upstreamRoute('azure', fakeUrl, upstreamModel, { apiKey: AZURE_KEY, ...over });
