/** Builders for the OpenAI adapter tests: a job, a route to the fake, a call context, input images, failure catchers. */
import { createHash } from 'node:crypto';
import type { GatewayError } from '../../../src/core/errors.js';
import type { ImageJob, ImageMime, InputImage } from '../../../src/core/job.js';
import type { CallContext, Route } from '../../../src/providers/types.js';
import { makeImage } from '../../fakes/images.js';

export const FAKE_KEY = 'sk-fake-openai';

export function openaiJob(over: Partial<ImageJob> = {}): ImageJob {
  return { requestId: 'req_test', model: 'gpt-image-1', operation: 'text-to-image', prompt: 'a red fox in snow', n: 1, params: {}, images: [], responseFormat: 'b64_json', ...over };
}

/** `fakeUrl` is the fake's origin; OpenAI's base URL ends in /v1. */
export function openaiRoute(fakeUrl: string, upstreamModel = 'gpt-image-1', over: Partial<Route> = {}): Route {
  return { id: 'openai#0', provider: 'openai', baseUrl: `${fakeUrl}/v1`, apiKey: FAKE_KEY, upstreamModel, priority: 0, weight: 1, options: {}, ...over };
}

export function callContext(ms = 10_000): CallContext {
  return { signal: new AbortController().signal, deadline: Date.now() + ms, requestId: 'req_test' };
}

export async function inputImage(
  field: string,
  width: number,
  height: number,
  opts: { format?: 'png' | 'jpeg' | 'webp'; alpha?: boolean; shade?: number } = {},
): Promise<InputImage> {
  const format = opts.format ?? 'png';
  const shade = opts.shade ?? 90;
  const bytes = await makeImage(width, height, { format, alpha: opts.alpha, color: { r: shade, g: 255 - shade, b: 30, alpha: opts.alpha ? 0 : 1 } });
  return { field, bytes, mime: `image/${format}` as ImageMime, width, height, hasAlpha: opts.alpha === true };
}

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The GatewayError a promise rejects with; fails the test if it resolves. */
export function rejection(p: Promise<unknown>): Promise<GatewayError> {
  return p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e as GatewayError,
  );
}

/** The GatewayError a synchronous call throws; fails the test if it returns. */
export function thrownBy(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (e) {
    return e as GatewayError;
  }
  throw new Error('expected the call to throw');
}
