/**
 * The OpenAI Images adapter (OpenAI Images API docs): GPT image models and DALL·E through /images/generations,
 * /images/edits (edits and image-to-image) and /images/variations.
 *
 * Route options read (catalog `routes[].options`): `organization`, `project` → OpenAI-Organization /
 * OpenAI-Project headers.
 */
import type { ProviderAdapter } from '../../domain/adapter.js';
import { toError } from './errors.js';
import type { ImagesApiFlavour } from './flavour.js';
import { createImagesApiAdapter } from './images-api-adapter.js';
import { COMMON_PARAMS, FIELD_MAP, profileFor, ROUTE_OPTION_HEADERS, WHO } from './mapping.js';
import { toResult } from './response.js';

export const OPENAI_FLAVOUR: ImagesApiFlavour = {
  name: 'openai',
  who: WHO,
  fieldMap: FIELD_MAP,
  commonParams: COMMON_PARAMS,
  profileFor,
  routeOptionHeaders: ROUTE_OPTION_HEADERS,
  toError,
  toResult: (body, job, upstreamRequestId) => toResult(body, job, upstreamRequestId),
};

export function createOpenAIAdapter(): ProviderAdapter {
  return createImagesApiAdapter(OPENAI_FLAVOUR);
}
