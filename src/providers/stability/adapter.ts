/**
 * The Stability AI adapter (Stability's REST API reference): the v2beta Stable Image services, generate
 * (ultra, core, sd3 with its model variants) and edit (inpaint, erase, search-and-replace, outpaint), each
 * reached through a catalog model whose upstream model names the service (mapping.ts). Requests are multipart;
 * one image per call, so n images are n concurrent calls, and calls that fail while others succeed are
 * reported as failed images.
 *
 * Route options read (catalog `routes[].options`): `answer: json` asks for JSON with base64 instead of image
 * bytes (the default).
 */
import type { CallContext, ProviderAdapter } from '../../domain/adapter.js';
import type { ImageJob, ImageResult } from '../../domain/job.js';
import { callUpstream, type UpstreamRequest } from '../http.js';
import { mergeResults } from '../merge-results.js';
import { toError } from './errors.js';
import { type AnswerKind, STABILITY } from './mapping.js';
import { planJob } from './plan.js';
import { answerKindOf, buildRequest } from './request.js';
import { toResult } from './response.js';

async function callOnce(req: UpstreamRequest, kind: AnswerKind, outputFormat: string | undefined, ctx: CallContext): Promise<ImageResult> {
  const res = await callUpstream(STABILITY, req, ctx);
  if (res.status !== 200) throw toError(res);
  return toResult(res, kind, outputFormat);
}

export function createStabilityAdapter(): ProviderAdapter {
  return {
    name: 'stability',
    validate(job, route) {
      planJob(job, route);
    },
    async generate(job: ImageJob, route, ctx) {
      const plan = planJob(job, route);
      const req = buildRequest(job, route, plan);
      const kind = answerKindOf(route);
      const format = plan.fields.get('output_format');
      const outputFormat = format === undefined ? undefined : String(format);
      if (plan.calls === 1) return callOnce(req, kind, outputFormat, ctx);
      return mergeResults(await Promise.allSettled(Array.from({ length: plan.calls }, () => callOnce(req, kind, outputFormat, ctx))));
    },
  };
}
