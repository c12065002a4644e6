/**
 * imagegate job → xAI image generation request, as data. xAI serves OpenAI's `/images/generations` shape at
 * https://api.x.ai/v1 (xAI's image generation guide and API reference) with its own fields: `aspect_ratio`
 * and `resolution` instead of `size`, `quality` as a price tier on grok-imagine-image-2.0 only, and
 * `response_format` url (the default) or b64_json. It refuses `size` and `style` ("Argument not supported").
 * What each model accepts (ratios, tiers, n) is the catalog's (60-xai.yaml); only the field names are here.
 */
import type { FieldRule, ModelProfile } from '../openai/mapping.js';

export const XAI = 'xAI';

/** Public param → xAI field. Resolution tiers are spelled `1k` / `2k` upstream, `1K` / `2K` in the catalog. */
export const XAI_FIELD_MAP: Readonly<Record<string, FieldRule>> = {
  aspect_ratio: { to: 'aspect_ratio', on: ['generations'] },
  resolution: { to: 'resolution', on: ['generations'], value: (v) => String(v).toLowerCase() },
  quality: { to: 'quality', on: ['generations'] },
};

/**
 * Every xAI image model answers url or b64_json as asked, reports no settings, and has no size to derive
 * from an aspect ratio (the ratio is sent as it is).
 */
export const XAI_PROFILE: ModelProfile = { sizeOfRatio: {}, takesResponseFormat: true, reportsSettings: false };

/** xAI sends JPEG images and says so in each datum's `mime_type`; without one, JPEG is assumed. */
export const DEFAULT_OUTPUT_FORMAT = 'jpeg';
