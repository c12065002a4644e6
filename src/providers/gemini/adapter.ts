/**
 * The Gemini image adapter ("Nano Banana": gemini-2.5-flash-image, gemini-3-pro-image-preview,
 * gemini-3.1-flash-image-preview), per the Gemini API docs. Text-to-image, image-to-image and edit all go through
 * generateContent with the references as inline data; n images are n concurrent calls. When the client
 * reads a stream (ctx.onDelta), the calls go to streamGenerateContent and report text and images as they come.
 */
import { GatewayError } from '../../domain/errors.js';
import { LIFT_IMAGES_FROM_CHARS, parseLifting } from '../../bytes/index.js';
import { callUpstream, type UpstreamRequest } from '../http.js';
import { OrderedDeltas } from '../ordered-deltas.js';
import type { CallContext, ProviderAdapter } from '../../domain/adapter.js';
import { toError, WHO } from './errors.js';
import { resolveImageConfig } from './image-config.js';
import { mergeReplies } from './merge.js';
import { buildRequest } from './request.js';
import { streamOnce } from './stream.js';
import { type GenerateContentResponse, type GeminiReply, readReply } from './response.js';

async function callOnce(request: UpstreamRequest, ctx: CallContext, outputSize: string | undefined, acceptTextOnly: boolean): Promise<GeminiReply> {
  const res = await callUpstream(WHO, request, ctx);
  if (res.status !== 200) throw toError(res);
  let body: GenerateContentResponse;
  try {
    // inlineData.data (an image) is lifted out as bytes (bytes/json-bytes.ts), never parsed or copied.
    body = parseLifting(res.body, 'data', { minLength: LIFT_IMAGES_FROM_CHARS }) as GenerateContentResponse;
  } catch (e) {
    throw new GatewayError('upstream_error', `${WHO} returned a malformed response body.`, { retryable: true, cause: e });
  }
  return readReply(body, outputSize, acceptTextOnly);
}

export function createGeminiAdapter(): ProviderAdapter {
  return {
    name: 'gemini',
    validate(job, route) {
      resolveImageConfig(job, route);
    },
    async generate(job, route, ctx) {
      const { imageConfig, outputSize } = resolveImageConfig(job, route);
      const textOnly = job.acceptTextOnly === true;
      const onDelta = ctx.onDelta;
      if (onDelta) {
        // The client reads a stream: ask Gemini for one, and pass the n calls' pieces on without interleaving.
        const request = buildRequest(job, route, imageConfig, true);
        const ordered = new OrderedDeltas(onDelta, job.n);
        const calls = Array.from({ length: job.n }, (_, i) =>
          streamOnce(request, ctx, outputSize, textOnly, ordered.sink(i)).then(
            (reply) => (ordered.done(i, true), reply),
            (e: unknown) => {
              ordered.done(i, false);
              throw e;
            },
          ),
        );
        return mergeReplies(await Promise.allSettled(calls));
      }
      const request = buildRequest(job, route, imageConfig);
      const outcomes = await Promise.allSettled(Array.from({ length: job.n }, () => callOnce(request, ctx, outputSize, textOnly)));
      return mergeReplies(outcomes);
    },
  };
}
