/** The OpenAI adapter tests' defaults, bound to the shared builders (../builders.ts). */
import { createHash } from 'node:crypto';
import type { ImageJob } from '../../../src/domain/job.js';
import type { Route } from '../../../src/domain/adapter.js';
import { imageJob, upstreamRoute } from '../builders.js';

export { callContext, failure, inputImage, thrown } from '../builders.js';

export const FAKE_KEY = 'sk-fake-openai';

export const job = (over: Partial<ImageJob> = {}): ImageJob => imageJob({ model: 'gpt-image-1', ...over });

/** `fakeUrl` is the fake's origin; OpenAI's base URL ends in /v1. */
export const routeTo = (fakeUrl: string, upstreamModel = 'gpt-image-1', over: Partial<Route> = {}): Route =>
  upstreamRoute('openai', `${fakeUrl}/v1`, upstreamModel, { apiKey: FAKE_KEY, ...over });

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
