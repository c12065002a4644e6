/**
 * The Volcengine Ark adapter for ByteDance Seedream 4.0 / 4.5 (Ark's API docs): text-to-image,
 * image-to-image and edits, all on `POST /images/generations`.
 *
 * Reads no route options: what a model accepts (sizes, tiers, references) comes from its catalog entry, so a
 * route to an endpoint id (`ep-…`) needs nothing more than the model it serves.
 * n > 1 without sequential generation fans out into n concurrent single-image calls (see plan.ts); calls
 * that fail while others succeed are reported as failed images rather than retried here.
 */
import { GatewayError } from '../../domain/errors.js';
import type { ImageJob, ImageResult } from '../../domain/job.js';
import type { UpstreamRequest } from '../http.js';
import { callForImages, resultOfImagesAnswer } from '../images-answer.js';
import type { CallContext, ProviderAdapter } from '../../domain/adapter.js';
import { ARK, toError, upstreamRequestIdOf } from './errors.js';
import { planJob } from './plan.js';
import { buildRequest } from './request.js';
import { mergeResults } from '../merge-results.js';
import { type ArkImagesResponse, toResult } from './response.js';

/** One call; with a sink, its first image is handed to the client as it arrives (CallContext.passThrough). */
async function callOnce(req: UpstreamRequest, job: ImageJob, ctx: CallContext): Promise<ImageResult> {
  const res = await callForImages(ARK, req, ctx);
  if (res.status < 200 || res.status >= 300) throw toError(res, job);
  const upstreamRequestId = upstreamRequestIdOf(res);
  const malformed = (cause: unknown) =>
    new GatewayError('upstream_error', `${ARK} returned a malformed response body.`, { retryable: true, upstreamRequestId, cause });
  return resultOfImagesAnswer<ArkImagesResponse>(res, malformed, (body) => toResult(body, job, upstreamRequestId));
}

export function createArkAdapter(): ProviderAdapter {
  return {
    name: 'ark',
    validate(job, route) {
      planJob(job, route);
    },
    async generate(job, route, ctx) {
      const plan = planJob(job, route);
      const req = buildRequest(job, route, plan);
      if (plan.calls === 1) return callOnce(req, job, ctx);
      // Concurrent calls cannot share one reply's head: their images are read whole.
      const whole = { ...ctx, passThrough: undefined };
      return mergeResults(await Promise.allSettled(Array.from({ length: plan.calls }, () => callOnce(req, job, whole))));
    },
  };
}
