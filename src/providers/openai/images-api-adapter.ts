/**
 * An adapter for an upstream that speaks OpenAI's Images API, made from its flavour (flavour.ts): the plan,
 * request and response code is OpenAI's, the field table, model profiles, headers and error reading the
 * flavour's. One upstream call per job: the upstream makes all n images in one request.
 *
 * A client reading an image stream with partial images gets the upstream's own stream relayed (stream.ts);
 * only OpenAI's GPT Image models plan one (plan.ts), so other flavours never reach it.
 */
import { callForImages, resultOfImagesAnswer } from '../images-answer.js';
import type { ProviderAdapter } from '../../domain/adapter.js';
import { malformedReplyError } from './errors.js';
import { type ImagesApiFlavour, requestIdOf } from './flavour.js';
import { planRequest } from './plan.js';
import { buildRequest } from './request.js';
import { streamImages } from './stream.js';
import type { OpenAIImagesResponse } from './response.js';
import { settingsUsed } from './settings.js';

export function createImagesApiAdapter(flavour: ImagesApiFlavour): ProviderAdapter {
  const { who } = flavour;
  return {
    name: flavour.name,
    validate(job, route) {
      planRequest(job, route, flavour);
    },
    ...(flavour.checkRoute ? { checkRoute: flavour.checkRoute } : {}),
    async generate(job, route, ctx) {
      const { upstreamStream, ...plan } = planRequest(job, route, flavour);
      // The client reads an image stream with partial images: the upstream's own stream is relayed as it arrives.
      const onPartialImage = ctx.onPartialImage;
      if (upstreamStream && onPartialImage) {
        const result = await streamImages(flavour, buildRequest(job, route, { ...plan, upstreamStream }, flavour), job, ctx, onPartialImage);
        return { ...result, meta: settingsUsed(result.meta, plan) };
      }
      const req = buildRequest(job, route, plan, flavour);
      const res = await callForImages(who, req, ctx);
      if (res.status !== 200) throw flavour.toError(res);
      const upstreamRequestId = requestIdOf(flavour, res);
      const malformed = () => malformedReplyError('the body is not JSON', upstreamRequestId, who);
      return resultOfImagesAnswer<OpenAIImagesResponse>(res, malformed, (body) => {
        const result = flavour.toResult(body, job, upstreamRequestId);
        return { ...result, meta: settingsUsed(result.meta, plan) };
      });
    },
  };
}
