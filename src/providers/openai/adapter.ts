/**
 * The OpenAI Images adapter (upstreams.md §1): GPT image models and DALL·E through /images/generations,
 * /images/edits (edits and image-to-image) and /images/variations. One upstream call per job: OpenAI makes
 * all n images in one request.
 *
 * Route options read (catalog `routes[].options`): `organization`, `project` → OpenAI-Organization /
 * OpenAI-Project headers.
 */
import { parseLifting } from '../../core/json-bytes.js';
import { callUpstream, type UpstreamRequest } from '../http.js';
import { openUpstreamStream } from '../http-stream.js';
import { readPassingThrough, restoreSentAhead } from '../pass-through.js';
import type { CallContext, ImageTextSink, ProviderAdapter } from '../types.js';
import { malformedReplyError, toError } from './errors.js';
import { WHO } from './mapping.js';
import { planRequest } from './plan.js';
import { buildRequest } from './request.js';
import { type OpenAIImagesResponse, toResult } from './response.js';

/** Images from this many base64 characters up are lifted out as bytes; smaller ones are cheaper to parse. */
const LIFT_FROM_CHARS = 32 * 1024;
/** Where the first image's base64 text stands in a reply, for passing it through (providers/pass-through.ts). */
const FIRST_IMAGE = ['data', 0, 'b64_json'] as const;
/** Replies from this size up are passed through; smaller ones cost less read whole. */
const PASS_THROUGH_FROM_BYTES = 64 * 1024;

function parseReply(bytes: Buffer, upstreamRequestId: string | undefined): OpenAIImagesResponse {
  try {
    // The b64_json strings are lifted out as bytes: a 2 MB image is never parsed or copied here.
    return parseLifting(bytes, 'b64_json', { minLength: LIFT_FROM_CHARS }) as OpenAIImagesResponse;
  } catch {
    throw malformedReplyError('the body is not JSON', upstreamRequestId);
  }
}

/** The reply read as it arrives, its first image handed to the client meanwhile. */
async function readPassingFirstImage(req: UpstreamRequest, ctx: CallContext & { passThrough: ImageTextSink }): Promise<{ body: OpenAIImagesResponse; upstreamRequestId?: string }> {
  const up = await openUpstreamStream(WHO, req, ctx);
  if (up.status !== 200) throw toError(await up.whole());
  const upstreamRequestId = up.header('x-request-id');
  // A small answer (a tiny image, a URL) is read whole: there is nothing worth streaming in it.
  if (up.contentLength !== undefined && up.contentLength < PASS_THROUGH_FROM_BYTES) return { body: parseReply((await up.whole()).body, upstreamRequestId), upstreamRequestId };
  let tapped;
  try {
    tapped = await readPassingThrough(WHO, up, FIRST_IMAGE, ctx.passThrough);
  } catch (e) {
    if (e instanceof SyntaxError) throw malformedReplyError('the body is not JSON', upstreamRequestId);
    throw e;
  }
  const body = parseReply(tapped.rest, upstreamRequestId);
  restoreSentAhead(body, FIRST_IMAGE, tapped.sentAhead);
  return { body, upstreamRequestId };
}

export function createOpenAIAdapter(): ProviderAdapter {
  return {
    name: 'openai',
    validate(job, route) {
      planRequest(job, route.upstreamModel);
    },
    async generate(job, route, ctx) {
      const plan = planRequest(job, route.upstreamModel);
      const req = buildRequest(job, route, plan);
      if (ctx.passThrough) {
        const { body, upstreamRequestId } = await readPassingFirstImage(req, { ...ctx, passThrough: ctx.passThrough });
        return toResult(body, job, upstreamRequestId);
      }
      const res = await callUpstream(WHO, req, ctx);
      if (res.status !== 200) throw toError(res);
      const upstreamRequestId = res.header('x-request-id');
      return toResult(parseReply(res.body, upstreamRequestId), job, upstreamRequestId);
    },
  };
}
