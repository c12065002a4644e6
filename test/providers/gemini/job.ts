/** Builders shared by the Gemini adapter tests: a job, a route to the fake, a call context, a failure catcher. */
import type { GatewayError } from '../../../src/core/errors.js';
import type { ImageJob, ImageMime, InputImage } from '../../../src/core/job.js';
import type { CallContext, Route } from '../../../src/providers/types.js';
import { makeImage } from '../../fakes/images.js';

export function geminiJob(over: Partial<ImageJob> = {}): ImageJob {
  return { requestId: 'req_test', model: 'gemini-2.5-flash-image', operation: 'text-to-image', prompt: 'a banana on a desk', n: 1, params: {}, images: [], responseFormat: 'b64_json', ...over };
}

export function geminiRoute(baseUrl: string, upstreamModel = 'gemini-2.5-flash-image', apiKey = 'AIzaFakeGeminiKey0000000000000000000000'): Route {
  return { id: 'gemini#0', provider: 'gemini', baseUrl, apiKey, upstreamModel, priority: 0, weight: 1, options: {} };
}

export function callContext(ms = 10_000): CallContext {
  return { signal: new AbortController().signal, deadline: Date.now() + ms, requestId: 'req_test' };
}

export async function inputImage(field: string, width: number, height: number, format: 'png' | 'jpeg' | 'webp' = 'png'): Promise<InputImage> {
  const bytes = await makeImage(width, height, { format, color: { r: width % 256, g: height % 256, b: 7 } });
  return { field, bytes, mime: `image/${format}` as ImageMime, width, height, hasAlpha: false };
}

/** The GatewayError a promise rejects with; fails the test if it resolves. */
export function failure(p: Promise<unknown>): Promise<GatewayError> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as GatewayError,
  );
}

/** The GatewayError a synchronous call throws; fails the test if it returns. */
export function thrown(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (e) {
    return e as GatewayError;
  }
  throw new Error('expected a throw');
}
