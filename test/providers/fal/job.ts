/** The fal adapter tests' defaults, bound to the shared builders (../builders.ts). */
import type { Route } from '../../../src/domain/adapter.js';
import type { ImageJob } from '../../../src/domain/job.js';
import type { FalFake } from '../../fakes/fal.js';
import { catalogFacts, imageJob, upstreamRoute } from '../builders.js';

export { callContext, failure, inputImage, thrown } from '../builders.js';

export const job = (over: Partial<ImageJob> = {}): ImageJob =>
  imageJob({ model: 'fal-flux-dev', prompt: 'a lighthouse in a storm, oil painting', responseFormat: 'url', ...over });

/** A route to the fake for catalog model `model` (its upstream model and options as the built-in catalog has them). */
export function routeTo(fake: FalFake, model: string, upstreamModel: string, over: Partial<Route> = {}): Route {
  return upstreamRoute('fal', fake.url, upstreamModel, { id: `${model}#0:fal`, apiKey: fake.apiKey, model: catalogFacts(model), ...over });
}

export const FAST = { initialMs: 10, maxMs: 40, growEvery: 3, maxPollFailures: 3 };
