/**
 * imagegate job → Black Forest Labs FLUX API, as data (BFL's API reference, docs.bfl.ai/api-reference). Each
 * model is its own endpoint, `POST {base}/v1/{model}`, answering `{id, polling_url}`; the result is read from
 * the polling URL. The catalog model's upstream model names the endpoint. Nothing here does I/O.
 */

export const BFL = 'Black Forest Labs';

/** How an endpoint takes the output's shape. */
export type Geometry =
  /** `width` and `height`, each a multiple of 32 in 256..1440 (the catalog's size rule says so). */
  | 'pixels'
  /** `aspect_ratio` between 21:9 and 9:21 (the catalog lists the ratios). */
  | 'ratio';

export interface BflEndpoint {
  geometry: Geometry;
  /** BFL fields beyond prompt and the geometry that the endpoint defines; the catalog says which are offered. */
  fields: readonly string[];
  /** Kontext edits: input images go as `input_image`, `input_image_2`, … up to this many. */
  inputImages?: number;
}

const COMMON = ['seed', 'output_format', 'prompt_upsampling', 'safety_tolerance'];

/** Upstream model (the catalog's `upstream_model`) → its endpoint. */
export const ENDPOINTS: Readonly<Record<string, BflEndpoint>> = {
  'flux-pro-1.1': { geometry: 'pixels', fields: COMMON },
  'flux-pro-1.1-ultra': { geometry: 'ratio', fields: [...COMMON, 'raw'] },
  'flux-dev': { geometry: 'pixels', fields: [...COMMON, 'steps', 'guidance'] },
  'flux-kontext-pro': { geometry: 'ratio', fields: COMMON, inputImages: 4 },
  'flux-kontext-max': { geometry: 'ratio', fields: COMMON, inputImages: 4 },
};

/** The n-th input image's field (0-based): `input_image`, then `input_image_2`, … */
export const inputImageField = (i: number) => (i === 0 ? 'input_image' : `input_image_${i + 1}`);

/**
 * Regions BFL documents (integration guidelines): the global endpoint load-balances across clusters; the EU
 * and US endpoints keep traffic in their region. Route option `region` picks one.
 */
export const REGION_BASES: Readonly<Record<string, string>> = {
  global: 'https://api.bfl.ai',
  eu: 'https://api.eu.bfl.ai',
  us: 'https://api.us.bfl.ai',
};

/** Hosts whose polling URLs are BFL's own: `bfl.ai` and every subdomain (api.eu.bfl.ai, api.us1.bfl.ai, …). */
export const BFL_DOMAIN = 'bfl.ai';

/** get_result `status` values (BFL's API reference, "Errors: response types"). */
export const STATUS = {
  ready: 'Ready',
  pending: 'Pending',
  requestModerated: 'Request Moderated',
  contentModerated: 'Content Moderated',
  error: 'Error',
  notFound: 'Task not found',
} as const;
