/** The Stability AI adapter tests' defaults, bound to the shared builders (../builders.ts). */
import type { ImageJob } from '../../../src/domain/job.js';
import type { Route } from '../../../src/domain/adapter.js';
import { catalogFacts, imageJob, upstreamRoute } from '../builders.js';

export { callContext, failure, inputImage, thrown } from '../builders.js';

export const FAKE_KEY = 'sk-fake-stability';

export const job = (over: Partial<ImageJob> = {}): ImageJob => imageJob({ model: 'stable-image-core', ...over });

/** A route to the fake serving catalog model `model` through the Stability service `service`. */
export const routeTo = (fakeUrl: string, model = 'stable-image-core', service = 'core', over: Partial<Route> = {}): Route =>
  upstreamRoute('stability', fakeUrl, service, { apiKey: FAKE_KEY, model: catalogFacts(model), ...over });
