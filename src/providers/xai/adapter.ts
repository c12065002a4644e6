/**
 * The xAI adapter (xAI image generation guide): grok image models through `POST /images/generations` at
 * https://api.x.ai/v1, spoken with the OpenAI adapter's code (openai/images-api-adapter.ts) and xAI's own
 * field table, model profile, errors and moderation marker. Text-to-image only; n images in one call.
 *
 * Reads no route options.
 */
import type { ProviderAdapter } from '../../domain/adapter.js';
import type { ImagesApiFlavour } from '../openai/flavour.js';
import { createImagesApiAdapter } from '../openai/images-api-adapter.js';
import { toError } from './errors.js';
import { XAI, XAI_FIELD_MAP, XAI_PROFILE } from './mapping.js';
import { toResult } from './response.js';

export const XAI_FLAVOUR: ImagesApiFlavour = {
  name: 'xai',
  who: XAI,
  fieldMap: XAI_FIELD_MAP,
  commonParams: [],
  profileFor: () => XAI_PROFILE,
  routeOptionHeaders: {},
  toError,
  toResult,
};

export function createXaiAdapter(): ProviderAdapter {
  return createImagesApiAdapter(XAI_FLAVOUR);
}
