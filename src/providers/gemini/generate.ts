/**
 * A Gemini image model's job through generateContent, wherever the endpoint is (the Gemini API, Vertex AI):
 * n images are n concurrent calls; when the client reads a stream (ctx.onDelta), the calls go to
 * streamGenerateContent and report text and images as they come.
 */
import { parseImagesJson } from '../lifted-json.js';
import type { ImageJob, ImageResult } from '../../domain/job.js';
import { callUpstream, type UpstreamRequest } from '../http.js';
import { OrderedDeltas } from '../ordered-deltas.js';
import type { CallContext, Route } from '../../domain/adapter.js';
import type { GoogleEndpoint } from './endpoint.js';
import { toError } from './errors.js';
import { resolveImageConfig } from './image-config.js';
import { mergeReplies } from './merge.js';
import { buildRequest } from './request.js';
import { streamOnce } from './stream.js';
import { type GenerateContentResponse, type GeminiReply, readReply } from './response.js';

async function callOnce(
  who: string,
  request: UpstreamRequest,
  ctx: CallContext,
  outputSize: string | undefined,
  acceptTextOnly: boolean,
): Promise<GeminiReply> {
  const res = await callUpstream(who, request, ctx);
  if (res.status !== 200) throw toError(res, who);
  // inlineData.data (an image) is lifted out as bytes, never parsed or copied.
  return readReply(parseImagesJson<GenerateContentResponse>(who, res.body, 'data'), outputSize, acceptTextOnly);
}

export async function generateContentImages(job: ImageJob, route: Route, ctx: CallContext, endpoint: GoogleEndpoint): Promise<ImageResult> {
  const { imageConfig, outputSize } = resolveImageConfig(job, route);
  const textOnly = job.acceptTextOnly === true;
  const onDelta = ctx.onDelta;
  if (onDelta) {
    // The client reads a stream: ask for one, and pass the n calls' pieces on without interleaving.
    const request = buildRequest(job, endpoint, imageConfig, true);
    const ordered = new OrderedDeltas(onDelta, job.n);
    const calls = Array.from({ length: job.n }, (_, i) =>
      streamOnce(endpoint.who, request, ctx, outputSize, textOnly, ordered.sink(i)).then(
        (reply) => (ordered.done(i, true), reply),
        (e: unknown) => {
          ordered.done(i, false);
          throw e;
        },
      ),
    );
    return mergeReplies(await Promise.allSettled(calls));
  }
  const request = buildRequest(job, endpoint, imageConfig);
  const outcomes = await Promise.allSettled(Array.from({ length: job.n }, () => callOnce(endpoint.who, request, ctx, outputSize, textOnly)));
  return mergeReplies(outcomes);
}
