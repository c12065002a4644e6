/**
 * The OpenAI-compatible adapter: any self-hosted server that speaks `POST {base}/images/generations` (LocalAI,
 * vLLM-based image servers, SD.Next), spoken with the OpenAI adapter's code (openai/images-api-adapter.ts).
 * The route's `base_url` says where the server is; its `key_env`, when set, is sent as a bearer token, and a
 * keyless route (credential `none`) sends no Authorization header. The operator declares each model's
 * contract in the catalog, and every field it lists is passed through under its own name.
 *
 * Reads no route options.
 */
import type { ProviderAdapter, Route } from '../../domain/adapter.js';
import type { ImagesApiFlavour, ImagesApiTarget } from '../openai/flavour.js';
import { createImagesApiAdapter } from '../openai/images-api-adapter.js';
import { toResult } from '../openai/response.js';
import { toError } from './errors.js';
import { OPENAI_COMPATIBLE, OPENAI_COMPATIBLE_FIELD_MAP, OPENAI_COMPATIBLE_PROFILE } from './mapping.js';

function target(route: Route): ImagesApiTarget {
  const base = route.baseUrl.replace(/\/+$/, '');
  return {
    url: (endpoint) => `${base}/images/${endpoint}`,
    headers: route.credential === 'none' ? {} : { authorization: `Bearer ${route.apiKey}` },
  };
}

export const OPENAI_COMPATIBLE_FLAVOUR: ImagesApiFlavour = {
  name: 'openai-compatible',
  who: OPENAI_COMPATIBLE,
  fieldMap: OPENAI_COMPATIBLE_FIELD_MAP,
  passesListedFields: true,
  commonParams: ['size'],
  profileFor: () => OPENAI_COMPATIBLE_PROFILE,
  routeOptionHeaders: {},
  toError,
  toResult: (body, job, upstreamRequestId) => toResult(body, job, upstreamRequestId, OPENAI_COMPATIBLE),
  target,
};

export function createOpenAICompatibleAdapter(): ProviderAdapter {
  return createImagesApiAdapter(OPENAI_COMPATIBLE_FLAVOUR);
}
