/** The Gemini adapter tests' defaults, bound to the shared builders (../builders.ts). */
import type { ImageJob } from '../../../src/domain/job.js';
import type { Route } from '../../../src/domain/adapter.js';
import { imageJob, upstreamRoute } from '../builders.js';

export { callContext, failure, inputImage, thrown } from '../builders.js';

export const job = (over: Partial<ImageJob> = {}): ImageJob => imageJob({ model: 'gemini-2.5-flash-image', prompt: 'a banana on a desk', ...over });

export const routeTo = (baseUrl: string, upstreamModel = 'gemini-2.5-flash-image', apiKey = 'AIzaFakeGeminiKey0000000000000000000000'): Route =>
  upstreamRoute('gemini', baseUrl, upstreamModel, { apiKey });
