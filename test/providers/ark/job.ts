/** Builders shared by the Ark adapter tests: jobs, routes to the fake, call contexts, references. */
import type { GatewayError } from '../../../src/core/errors.js';
import type { ImageJob, InputImage } from '../../../src/core/job.js';
import type { CallContext, Route } from '../../../src/providers/types.js';
import type { ArkFake } from '../../fakes/ark.js';
import { makeImage } from '../../fakes/images.js';

export const SEEDREAM_40 = 'doubao-seedream-4-0-250828';
export const SEEDREAM_45 = 'doubao-seedream-4-5-251128';

export const job = (over: Partial<ImageJob> = {}): ImageJob => ({
  requestId: 'req_test',
  model: SEEDREAM_40,
  operation: 'text-to-image',
  prompt: 'a lighthouse at dusk',
  n: 1,
  params: {},
  images: [],
  responseFormat: 'b64_json',
  ...over,
});

export const route = (fake: ArkFake, over: Partial<Route> = {}): Route => ({
  id: 'ark#0',
  provider: 'ark',
  baseUrl: `${fake.url}/api/v3`,
  apiKey: fake.apiKey,
  upstreamModel: SEEDREAM_40,
  priority: 0,
  weight: 1,
  options: {},
  ...over,
});

export const ctx = (ms = 10_000): CallContext => ({ signal: new AbortController().signal, deadline: Date.now() + ms, requestId: 'req_test' });

export async function reference(field: string, opts: { sourceUrl?: string; width?: number; height?: number } = {}): Promise<InputImage> {
  const width = opts.width ?? 64;
  const height = opts.height ?? 48;
  return { field, bytes: await makeImage(width, height), mime: 'image/png', width, height, hasAlpha: false, sourceUrl: opts.sourceUrl };
}

/** The GatewayError a call or check fails with; fails the test when it succeeds. */
export async function failure(run: Promise<unknown> | (() => unknown)): Promise<GatewayError> {
  try {
    await (typeof run === 'function' ? run() : run);
  } catch (e) {
    return e as GatewayError;
  }
  throw new Error('expected a failure, but it succeeded');
}
