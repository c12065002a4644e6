/**
 * The OpenAI Images adapter (OpenAI Images API docs): GPT image models and DALL·E through /images/generations,
 * /images/edits (edits and image-to-image) and /images/variations. One upstream call per job: OpenAI makes
 * all n images in one request.
 *
 * Route options read (catalog `routes[].options`): `organization`, `project` → OpenAI-Organization /
 * OpenAI-Project headers.
 *
 * A client reading an image stream with partial images gets OpenAI's own stream relayed (stream.ts).
 */
import { callForImages, resultOfImagesAnswer } from '../images-answer.js';
import type { ProviderAdapter } from '../../domain/adapter.js';
import { malformedReplyError, toError } from './errors.js';
import { WHO } from './mapping.js';
import { planRequest } from './plan.js';
import { buildRequest } from './request.js';
import { streamImages } from './stream.js';
import { type OpenAIImagesResponse, toResult } from './response.js';
import { settingsUsed } from './settings.js';

export function createOpenAIAdapter(): ProviderAdapter {
  return {
    name: 'openai',
    validate(job, route) {
      planRequest(job, route);
    },
    async generate(job, route, ctx) {
      const { upstreamStream, ...plan } = planRequest(job, route);
      // The client reads an image stream with partial images: OpenAI's own stream is relayed as it arrives.
      const onPartialImage = ctx.onPartialImage;
      if (upstreamStream && onPartialImage) {
        const result = await streamImages(buildRequest(job, route, { ...plan, upstreamStream }), job, ctx, onPartialImage);
        return { ...result, meta: settingsUsed(result.meta, plan) };
      }
      const req = buildRequest(job, route, plan);
      const res = await callForImages(WHO, req, ctx);
      if (res.status !== 200) throw toError(res);
      const upstreamRequestId = res.header('x-request-id');
      const malformed = () => malformedReplyError('the body is not JSON', upstreamRequestId);
      return resultOfImagesAnswer<OpenAIImagesResponse>(res, malformed, (body) => {
        const result = toResult(body, job, upstreamRequestId);
        return { ...result, meta: settingsUsed(result.meta, plan) };
      });
    },
  };
}
