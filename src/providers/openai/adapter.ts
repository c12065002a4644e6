/**
 * The OpenAI Images adapter (upstreams.md §1): GPT image models and DALL·E through /images/generations,
 * /images/edits (edits and image-to-image) and /images/variations. One upstream call per job: OpenAI makes
 * all n images in one request.
 *
 * Route options read (catalog `routes[].options`): `organization`, `project` → OpenAI-Organization /
 * OpenAI-Project headers.
 */
import { parseLifting } from '../../core/json-bytes.js';
import { callUpstream } from '../http.js';
import { callPassingThrough, type PassingResponse, restoreSentAhead } from '../pass-through.js';
import type { ProviderAdapter } from '../types.js';
import { malformedReplyError, toError } from './errors.js';
import { WHO } from './mapping.js';
import { planRequest } from './plan.js';
import { buildRequest } from './request.js';
import { type OpenAIImagesResponse, toResult } from './response.js';

/** Images from this many base64 characters up are lifted out as bytes; smaller ones are cheaper to parse. */
const LIFT_FROM_CHARS = 32 * 1024;
/** Where the first image's base64 text stands in a reply, for passing it through (providers/pass-through.ts). */
const FIRST_IMAGE = ['data', 0, 'b64_json'] as const;

function parseReply(bytes: Buffer, upstreamRequestId: string | undefined): OpenAIImagesResponse {
  try {
    // The b64_json strings are lifted out as bytes: a 2 MB image is never parsed or copied here.
    return parseLifting(bytes, 'b64_json', { minLength: LIFT_FROM_CHARS }) as OpenAIImagesResponse;
  } catch {
    throw malformedReplyError('the body is not JSON', upstreamRequestId);
  }
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
      const res: PassingResponse = ctx.passThrough ? await callPassingThrough(WHO, req, ctx, ctx.passThrough, FIRST_IMAGE) : await callUpstream(WHO, req, ctx);
      if (res.status !== 200) throw toError(res);
      const upstreamRequestId = res.header('x-request-id');
      const body = parseReply(res.body, upstreamRequestId);
      restoreSentAhead(body, FIRST_IMAGE, res.sentAhead);
      return toResult(body, job, upstreamRequestId);
    },
  };
}
