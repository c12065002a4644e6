/** The Replicate adapter tests' defaults, bound to the shared builders (../builders.ts). */
import type { Route } from '../../../src/domain/adapter.js';
import type { ImageJob } from '../../../src/domain/job.js';
import type { PollSchedule } from '../../../src/providers/upstream-job.js';
import type { ReplicateFake } from '../../fakes/replicate.js';
import { imageJob, upstreamRoute } from '../builders.js';

export { callContext, failure, inputImage, thrown } from '../builders.js';

export const SCHNELL = 'black-forest-labs/flux-schnell';

export const job = (over: Partial<ImageJob> = {}): ImageJob =>
  imageJob({ model: SCHNELL, prompt: 'a lighthouse on a cliff at dusk', responseFormat: 'url', ...over });

/** A route to the fake for this Replicate model (the catalog id is the Replicate name). */
export const routeTo = (fake: ReplicateFake, upstreamModel: string = SCHNELL, over: Partial<Route> = {}): Route =>
  upstreamRoute('replicate', fake.url, upstreamModel, { id: `${upstreamModel}#0:replicate`, apiKey: fake.apiKey, ...over });

/** A route that never reaches anything, for the pure validate() checks. */
export const offlineRoute = (upstreamModel: string, options: Route['options'] = {}): Route =>
  upstreamRoute('replicate', 'http://127.0.0.1:9', upstreamModel, { id: `${upstreamModel}#0:replicate`, options });

/** Polling fast enough for tests. */
export const FAST: PollSchedule = { initialMs: 5, maxMs: 20, growEvery: 3, maxPollFailures: 2 };
