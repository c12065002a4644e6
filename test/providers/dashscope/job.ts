/** The DashScope adapter tests' defaults, bound to the shared builders (../builders.ts). */
import type { ImageJob, InputImage } from '../../../src/domain/job.js';
import type { Route } from '../../../src/domain/adapter.js';
import type { DashScopeFake } from '../../fakes/dashscope.js';
import { imageJob, inputImage, upstreamRoute } from '../builders.js';

export { callContext, failure } from '../builders.js';

export const job = (over: Partial<ImageJob> = {}): ImageJob =>
  imageJob({ model: 'wan2.5-t2i-preview', prompt: 'a paper lantern festival on a river at night', responseFormat: 'url', ...over });

/** A route to the fake for this upstream model (the catalog id and upstream name are the same here). */
export const routeTo = (fake: DashScopeFake, upstreamModel: string, over: Partial<Route> = {}): Route =>
  upstreamRoute('dashscope', fake.baseUrl, upstreamModel, { id: `${upstreamModel}#0:dashscope`, apiKey: fake.apiKey, ...over });

/** A route that never reaches anything, for the pure validate() checks. */
export const offlineRoute = (upstreamModel: string, options: Route['options'] = {}): Route =>
  upstreamRoute('dashscope', 'http://127.0.0.1:9/api/v1', upstreamModel, { id: `${upstreamModel}#0:dashscope`, options });

/** A reference image (320x256 unless told). */
export const reference = (field: string, opts: { sourceUrl?: string; width?: number; height?: number } = {}): Promise<InputImage> =>
  inputImage(field, opts.width ?? 320, opts.height ?? 256, { sourceUrl: opts.sourceUrl });

/** Polling fast enough for tests, with the SDK's shape (doubling every 3 polls, capped). */
export const FAST_POLLING = { initialMs: 10, maxMs: 40, growEvery: 3 };
