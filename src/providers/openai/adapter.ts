/**
 * The OpenAI Images adapter (OpenAI Images API docs): GPT image models and DALL·E through /images/generations,
 * /images/edits (edits and image-to-image) and /images/variations. One upstream call per job: OpenAI makes
 * all n images in one request.
 *
 * Route options read (catalog `routes[].options`): `organization`, `project` → OpenAI-Organization /
 * OpenAI-Project headers.
 *
 * A client reading an image stream with partial images gets OpenAI's own stream relayed (stream.ts).
 * Other hosts of the same protocol (Azure OpenAI) are adapters made by createImagesApiAdapter with their
 * own ImagesApiHost.
 */
import { callForImages, resultOfImagesAnswer } from '../images-answer.js';
import type { ProviderAdapter } from '../../domain/adapter.js';
import { malformedReplyError, toError } from './errors.js';
import { type ImagesApiHost, requestIdOf } from './images-api.js';
import { WHO } from './mapping.js';
import { planRequest } from './plan.js';
import { buildRequest, openAITarget } from './request.js';
import { streamImages } from './stream.js';
import { type OpenAIImagesResponse, toResult } from './response.js';
import { settingsUsed } from './settings.js';

const OPENAI: ImagesApiHost = { name: 'openai', who: WHO, target: openAITarget, toError: (res) => toError(res), requestIdHeaders: ['x-request-id'] };

export function createOpenAIAdapter(): ProviderAdapter {
  return createImagesApiAdapter(OPENAI);
}

export function createImagesApiAdapter(host: ImagesApiHost): ProviderAdapter {
  return {
    name: host.name,
    validate(job, route) {
      planRequest(job, route);
    },
    ...(host.checkRoute ? { checkRoute: host.checkRoute } : {}),
    async generate(job, route, ctx) {
      const { upstreamStream, ...plan } = planRequest(job, route);
      const target = host.target(route);
      // The client reads an image stream with partial images: the upstream's own stream is relayed as it arrives.
      const onPartialImage = ctx.onPartialImage;
      if (upstreamStream && onPartialImage) {
        const result = await streamImages(host, buildRequest(job, { ...plan, upstreamStream }, target), job, ctx, onPartialImage);
        return { ...result, meta: settingsUsed(result.meta, plan) };
      }
      const req = buildRequest(job, plan, target);
      const res = await callForImages(host.who, req, ctx);
      if (res.status !== 200) throw host.toError(res);
      const upstreamRequestId = requestIdOf(host, res);
      const malformed = () => malformedReplyError('the body is not JSON', upstreamRequestId, host.who);
      return resultOfImagesAnswer<OpenAIImagesResponse>(res, malformed, (body) => {
        const result = toResult(body, job, upstreamRequestId, host.who);
        return { ...result, meta: settingsUsed(result.meta, plan) };
      });
    },
  };
}
