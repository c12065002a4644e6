/**
 * imagegate job → Replicate prediction input, as data (Replicate's HTTP API reference and each official
 * model's API schema on replicate.com/<owner>/<name>/api). A catalog route's upstream model is the Replicate
 * model, `owner/name`; this table says, per model, under which input field each public parameter goes, which
 * field takes the image count, the image and the size. A model the table does not know (an operator's own
 * catalog entry) is spoken generically (GENERIC_MODEL): every parameter under its own name. Which parameters
 * a model offers, and their values, are the catalog's to say. Nothing here does I/O.
 */

export const REPLICATE = 'Replicate';

/** How a WIDTHxHEIGHT `size` reaches the model. */
export type SizeInput =
  /** As two integer fields; `with` holds fields sent beside them (flux-1.1-pro needs aspect_ratio "custom"). */
  | { kind: 'width-height'; with?: Readonly<Record<string, string>> }
  /** As the same WIDTHxHEIGHT text in `field` (recraft-v3's `size`). */
  | { kind: 'text'; field: string };

export interface ReplicateModel {
  /** Public parameter → input field, for every parameter the model takes beside prompt, n, size and images. */
  inputs: Readonly<Record<string, string>>;
  /** Input field taking n; without one the model makes one image per prediction. */
  count?: string;
  size?: SizeInput;
  /** Input field taking the one image of image-to-image or edit. */
  image?: string;
  /** Public value → the model's spelling, per public parameter (`jpeg` is `jpg` to the FLUX models). */
  values?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Fields every FLUX model on Replicate spells the same way. */
const FLUX_COMMON = { aspect_ratio: 'aspect_ratio', seed: 'seed', output_format: 'output_format', output_quality: 'output_quality' } as const;
const FLUX_FORMATS = { output_format: { jpeg: 'jpg' } } as const;

export const MODELS: Readonly<Record<string, ReplicateModel>> = {
  'black-forest-labs/flux-schnell': {
    inputs: { ...FLUX_COMMON, num_inference_steps: 'num_inference_steps', megapixels: 'megapixels', go_fast: 'go_fast' },
    count: 'num_outputs',
    values: FLUX_FORMATS,
  },
  'black-forest-labs/flux-dev': {
    inputs: {
      ...FLUX_COMMON,
      num_inference_steps: 'num_inference_steps',
      guidance: 'guidance',
      megapixels: 'megapixels',
      go_fast: 'go_fast',
      // imagegate's `strength` (how far the output departs from the image) is flux-dev's prompt_strength.
      strength: 'prompt_strength',
    },
    count: 'num_outputs',
    image: 'image',
    values: FLUX_FORMATS,
  },
  'black-forest-labs/flux-1.1-pro': {
    inputs: { ...FLUX_COMMON, safety_tolerance: 'safety_tolerance', prompt_upsampling: 'prompt_upsampling' },
    size: { kind: 'width-height', with: { aspect_ratio: 'custom' } },
    values: FLUX_FORMATS,
  },
  'black-forest-labs/flux-kontext-pro': {
    inputs: {
      aspect_ratio: 'aspect_ratio',
      seed: 'seed',
      output_format: 'output_format',
      safety_tolerance: 'safety_tolerance',
      prompt_upsampling: 'prompt_upsampling',
    },
    image: 'input_image',
    values: FLUX_FORMATS,
  },
  'recraft-ai/recraft-v3': {
    inputs: { aspect_ratio: 'aspect_ratio', style: 'style' },
    size: { kind: 'text', field: 'size' },
  },
  'ideogram-ai/ideogram-v2': {
    inputs: {
      aspect_ratio: 'aspect_ratio',
      style_type: 'style_type',
      magic_prompt_option: 'magic_prompt_option',
      negative_prompt: 'negative_prompt',
      seed: 'seed',
    },
  },
};

/**
 * An operator's own Replicate model: parameters under their public names, n as `num_outputs` when the catalog
 * lets n go above 1, the image as `image`, a size as width and height (Replicate's common spellings).
 */
export const GENERIC_MODEL: ReplicateModel = { inputs: {}, count: 'num_outputs', size: { kind: 'width-height' }, image: 'image' };

export function modelOf(upstreamModel: string): { model: ReplicateModel; known: boolean } {
  const known = Object.hasOwn(MODELS, upstreamModel) ? MODELS[upstreamModel] : undefined;
  return known ? { model: known, known: true } : { model: GENERIC_MODEL, known: false };
}

/** Replicate's own ceiling on `Prefer: wait=N` (seconds): a create call holds at most this long. */
export const MAX_WAIT_SECONDS = 60;

/**
 * Inline images (data URIs) Replicate takes in one prediction, in bytes: the official SDK's limit
 * (replicate-javascript lib/util.js MAX_DATA_URI_SIZE); beyond it images go as URLs.
 */
export const MAX_DATA_URI_BYTES = 10_000_000;

/** A `Cancel-After` duration as Replicate's examples write it: whole numbers of h, m, s or ms, e.g. `1m`, `1h30m`. */
export const DURATION = /^(?:\d+(?:h|m|s|ms))+$/;

/** `owner/name`, the shape of an official model's name; a version route names any model this way too. */
export const MODEL_NAME = /^[a-z0-9][a-z0-9_.-]*\/[a-z0-9][a-z0-9_.-]*$/i;
/** A version id (64 hex digits), as `POST /v1/predictions` takes it, optionally as `owner/name:version`. */
export const VERSION_ID = /^(?:[a-z0-9][a-z0-9_.-]*\/[a-z0-9][a-z0-9_.-]*:)?[0-9a-f]{64}$/i;
