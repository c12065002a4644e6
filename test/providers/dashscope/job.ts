/** Builders shared by the DashScope adapter tests: jobs, routes to the fake, call contexts, references. */
import type { GatewayError } from '../../../src/core/errors.js';
import type { ImageJob, InputImage } from '../../../src/core/job.js';
import type { CallContext, Route } from '../../../src/providers/types.js';
import type { DashScopeFake } from '../../fakes/dashscope.js';
import { makeImage } from '../../fakes/images.js';

export const job = (over: Partial<ImageJob> = {}): ImageJob => ({
  requestId: 'req_test',
  model: 'wan2.5-t2i-preview',
  operation: 'text-to-image',
  prompt: 'a paper lantern festival on a river at night',
  n: 1,
  params: {},
  images: [],
  responseFormat: 'url',
  ...over,
});

/** A route to the fake for this upstream model (the catalog id and upstream name are the same here). */
export const route = (fake: DashScopeFake, upstreamModel: string, over: Partial<Route> = {}): Route => ({
  id: `${upstreamModel}#0:dashscope`,
  provider: 'dashscope',
  baseUrl: fake.baseUrl,
  apiKey: fake.apiKey,
  upstreamModel,
  priority: 0,
  weight: 1,
  options: {},
  ...over,
});

/** A route that never reaches anything, for the pure validate() checks. */
export const offlineRoute = (upstreamModel: string, options: Route['options'] = {}): Route => ({
  id: `${upstreamModel}#0:dashscope`,
  provider: 'dashscope',
  baseUrl: 'http://127.0.0.1:9/api/v1',
  apiKey: 'sk-offline',
  upstreamModel,
  priority: 0,
  weight: 1,
  options,
});

export const ctx = (ms = 10_000, over: Partial<CallContext> = {}): CallContext => ({
  signal: new AbortController().signal,
  deadline: Date.now() + ms,
  requestId: 'req_test',
  ...over,
});

export async function reference(field: string, opts: { sourceUrl?: string; width?: number; height?: number } = {}): Promise<InputImage> {
  const width = opts.width ?? 320;
  const height = opts.height ?? 256;
  return { field, bytes: await makeImage(width, height), mime: 'image/png', width, height, hasAlpha: false, sourceUrl: opts.sourceUrl };
}

/** Polling fast enough for tests, with the SDK's shape (doubling every 3 polls, capped). */
export const FAST_POLLING = { pollInitialMs: 10, pollMaxMs: 40, pollGrowEvery: 3 };

/** The GatewayError a call or check fails with; fails the test when it succeeds. */
export async function failure(run: Promise<unknown> | (() => unknown)): Promise<GatewayError> {
  try {
    await (typeof run === 'function' ? run() : run);
  } catch (e) {
    return e as GatewayError;
  }
  throw new Error('expected a failure, but it succeeded');
}
