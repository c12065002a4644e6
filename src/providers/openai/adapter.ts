/** The OpenAI Images adapter (generations, edits, variations), upstreams.md §1. */
import { GatewayError } from '../../core/errors.js';
import { callUpstream } from '../http.js';
import type { ProviderAdapter } from '../types.js';
import { toError } from './errors.js';
import { buildRequest } from './request.js';
import { type OpenAIImagesResponse, toResult } from './response.js';

export function createOpenAIAdapter(): ProviderAdapter {
  return {
    name: 'openai',
    async generate(job, route, ctx) {
      const res = await callUpstream('OpenAI', buildRequest(job, route), ctx);
      if (res.status !== 200) throw toError(res);
      const result = toResult(res.json<OpenAIImagesResponse>(), job, res.header('x-request-id'));
      if (result.images.length === 0) {
        throw new GatewayError('no_image_generated', 'The model returned no image. Nothing was charged; try rephrasing the prompt.', { upstreamRequestId: result.upstreamRequestId });
      }
      return result;
    },
  };
}
