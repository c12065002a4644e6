/**
 * imagegate job → OpenAI Images request, as data (OpenAI Images API docs): which operation goes to which endpoint,
 * which public param becomes which OpenAI field on which endpoints (with its value translation), and per
 * upstream model what it accepts. plan.ts applies these tables; nothing here does I/O.
 */
import type { ImageMime, Operation, OutputFormat } from '../../domain/job.js';
import { MIME_OF_FORMAT } from '../../domain/job.js';

export const WHO = 'OpenAI';

export type Endpoint = 'generations' | 'edits' | 'variations';

/** GPT image models take reference images as edit sources, so image-to-image is an edit upstream. */
export const ENDPOINT_OF: Record<Operation, Endpoint> = {
  'text-to-image': 'generations',
  'image-to-image': 'edits',
  edit: 'edits',
  variation: 'variations',
};

/**
 * How one upstream model is spoken to. What it accepts (sizes, qualities, n, input images, fields) is the
 * catalog's to say (Route.model); only what OpenAI's API itself decides is here.
 */
export interface ModelProfile {
  /** aspect_ratio → the size with exactly that ratio (OpenAI has no aspect_ratio field). */
  sizeOfRatio: Readonly<Record<string, string>>;
  /** DALL·E answers url or b64_json as asked; GPT image models always answer b64_json and refuse the field. */
  takesResponseFormat: boolean;
  /** GPT image replies state the size, quality, background and output format used; DALL·E replies state none. */
  reportsSettings: boolean;
}

const GPT_IMAGE: ModelProfile = {
  sizeOfRatio: { '1:1': '1024x1024', '3:2': '1536x1024', '2:3': '1024x1536' },
  takesResponseFormat: false,
  reportsSettings: true,
};
const DALL_E_3: ModelProfile = {
  sizeOfRatio: { '1:1': '1024x1024', '7:4': '1792x1024', '4:7': '1024x1792' },
  takesResponseFormat: true,
  reportsSettings: false,
};
const DALL_E_2: ModelProfile = { sizeOfRatio: { '1:1': '1024x1024' }, takesResponseFormat: true, reportsSettings: false };

/** An upstream model name, or a dated snapshot of it such as `gpt-image-1-2025-04-15`. */
const named = (name: string) => new RegExp(`^${name.replaceAll('.', '\\.')}(-\\d{4}-\\d{2}-\\d{2})?$`);

const PROFILES: ReadonlyArray<readonly [RegExp, ModelProfile]> = [
  [named('gpt-image-2'), GPT_IMAGE],
  [named('gpt-image-1.5'), GPT_IMAGE],
  [named('gpt-image-1-mini'), GPT_IMAGE],
  [named('gpt-image-1'), GPT_IMAGE],
  [named('chatgpt-image-latest'), GPT_IMAGE],
  [named('dall-e-3'), DALL_E_3],
  [named('dall-e-2'), DALL_E_2],
];

/** undefined for a model these tables do not know (an operator's own entry): its params pass unchecked. */
export function profileFor(upstreamModel: string): ModelProfile | undefined {
  return PROFILES.find(([pattern]) => pattern.test(upstreamModel))?.[1];
}

/** An unknown model still gets response_format when it is a DALL·E model by name. */
export const takesResponseFormat = (upstreamModel: string, profile: ModelProfile | undefined) =>
  profile?.takesResponseFormat ?? upstreamModel.startsWith('dall-e');

export interface FieldRule {
  /** The OpenAI field it becomes. */
  to: string;
  /** Endpoints on which OpenAI takes the field. */
  on: readonly Endpoint[];
  /** Value translation; undefined = the model cannot represent this value. Absent = sent as it is. */
  value?: (v: string | number, profile: ModelProfile | undefined) => string | number | undefined;
}

/** Public param → OpenAI field. Public names are OpenAI's own, so only aspect_ratio needs translating. */
export const FIELD_MAP: Readonly<Record<string, FieldRule>> = {
  size: { to: 'size', on: ['generations', 'edits', 'variations'] },
  aspect_ratio: { to: 'size', on: ['generations', 'edits', 'variations'], value: (ratio, p) => p?.sizeOfRatio[String(ratio)] },
  quality: { to: 'quality', on: ['generations', 'edits'] },
  background: { to: 'background', on: ['generations', 'edits'] },
  moderation: { to: 'moderation', on: ['generations', 'edits'] },
  output_format: { to: 'output_format', on: ['generations', 'edits'] },
  output_compression: { to: 'output_compression', on: ['generations', 'edits'] },
  style: { to: 'style', on: ['generations'] },
  input_fidelity: { to: 'input_fidelity', on: ['edits'] },
};

/**
 * Edit fields OpenAI documents only on the JSON form of /images/edits (EditImageBodyJsonParam), not on its
 * multipart form: an edit carrying one is sent as JSON, its images as data URLs.
 */
export const JSON_ONLY_EDIT_FIELDS: readonly string[] = ['moderation'];

/** Params every OpenAI model takes (the rest must be among the catalog model's fields). */
export const COMMON_PARAMS: readonly string[] = ['size', 'aspect_ratio', 'quality'];

/** Only these formats carry output_compression; transparency needs an alpha-capable format. */
export const COMPRESSIBLE_FORMATS: readonly OutputFormat[] = ['jpeg', 'webp'];
export const ALPHA_FORMATS: readonly OutputFormat[] = ['png', 'webp'];

/** OpenAI's output format when none is asked for (DALL·E always sends PNG). */
export const DEFAULT_OUTPUT_FORMAT: OutputFormat = 'png';

export function mimeOfFormat(format: string | undefined): ImageMime {
  return MIME_OF_FORMAT[(format ?? DEFAULT_OUTPUT_FORMAT) as OutputFormat] ?? MIME_OF_FORMAT[DEFAULT_OUTPUT_FORMAT];
}

/** Route options this adapter reads (catalog `routes[].options`) → the OpenAI header each becomes. */
export const ROUTE_OPTION_HEADERS: Readonly<Record<string, string>> = {
  organization: 'openai-organization',
  project: 'openai-project',
};
