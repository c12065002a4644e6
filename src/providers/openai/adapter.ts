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
import type { ProviderAdapter } from '../types.js';
import { malformedReplyError, toError } from './errors.js';
import { WHO } from './mapping.js';
import { planRequest } from './plan.js';
import { buildRequest } from './request.js';
import { type OpenAIImagesResponse, toResult } from './response.js';

/** Bodies from this size up have their images lifted out as bytes (core/json-bytes.ts). */
const LIFT_FROM_BYTES = 32 * 1024;

export function createOpenAIAdapter(): ProviderAdapter {
  return {
    name: 'openai',
    validate(job, route) {
      planRequest(job, route.upstreamModel);
    },
    async generate(job, route, ctx) {
      const plan = planRequest(job, route.upstreamModel);
      const res = await callUpstream(WHO, buildRequest(job, route, plan), ctx);
      if (res.status !== 200) throw toError(res);
      const upstreamRequestId = res.header('x-request-id');
      let body: OpenAIImagesResponse;
      try {
        // The b64_json strings are lifted out as bytes: a 2 MB image is never parsed or copied here. A body of
        // a few KB is cheaper to parse plainly than through the lifting reviver.
        body = (res.body.length < LIFT_FROM_BYTES ? JSON.parse(res.body.toString('utf8')) : parseLifting(res.body, 'b64_json')) as OpenAIImagesResponse;
      } catch {
        throw malformedReplyError('the body is not JSON', upstreamRequestId);
      }
      return toResult(body, job, upstreamRequestId);
    },
  };
}
