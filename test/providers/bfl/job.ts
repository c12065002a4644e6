/** The BFL adapter tests' defaults, bound to the shared builders (../builders.ts). */
import type { Route } from '../../../src/domain/adapter.js';
import type { ImageJob } from '../../../src/domain/job.js';
import type { BflFake } from '../../fakes/bfl.js';
import { imageJob, upstreamRoute } from '../builders.js';

export { callContext, failure, inputImage, thrown } from '../builders.js';

export const job = (over: Partial<ImageJob> = {}): ImageJob =>
  imageJob({ model: 'flux-pro-1.1', prompt: 'a paper boat on a puddle, morning light', responseFormat: 'url', ...over });

/** A route to the fake for this BFL model (the catalog id and the upstream model are the same). */
export const routeTo = (fake: BflFake, upstreamModel: string, over: Partial<Route> = {}): Route =>
  upstreamRoute('bfl', fake.url, upstreamModel, { id: `${upstreamModel}#0:bfl`, apiKey: fake.apiKey, ...over });

/** Polling fast enough for tests. */
export const FAST = { initialMs: 10, maxMs: 40, growEvery: 3, maxPollFailures: 3 };
