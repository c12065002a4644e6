/** The xAI adapter tests' defaults, bound to the shared builders (../builders.ts). */
import type { ImageJob } from '../../../src/domain/job.js';
import type { Route } from '../../../src/domain/adapter.js';
import { imageJob, upstreamRoute } from '../builders.js';

export { callContext, failure, thrown } from '../builders.js';

export const FAKE_KEY = 'xai-fake-key';

export const job = (over: Partial<ImageJob> = {}): ImageJob => imageJob({ model: 'grok-imagine-image', ...over });

/** `fakeUrl` is the fake's origin; xAI's base URL ends in /v1. */
export const routeTo = (fakeUrl: string, upstreamModel = 'grok-imagine-image', over: Partial<Route> = {}): Route =>
  upstreamRoute('xai', `${fakeUrl}/v1`, upstreamModel, { apiKey: FAKE_KEY, ...over });
