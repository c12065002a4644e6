/**
 * imagegate job → Stability AI v2beta Stable Image request, as data (Stability's REST API reference,
 * platform.stability.ai/docs/api-reference). Every endpoint takes multipart/form-data and makes one image per
 * call. The catalog model's upstream model names the endpoint: a generate service (ultra, core, sd3 with its
 * model variants) or an edit service (inpaint, erase, search-and-replace, outpaint), each a catalog model of
 * its own with its contract (70-stability.yaml): which of a service's fields a model offers, and their values
 * (sd3 makes no webp), are the catalog's to say. Nothing here does I/O.
 */
import type { Operation } from '../../domain/job.js';

export const STABILITY = 'Stability AI';

export type PromptUse = 'required' | 'optional' | 'none';

/** A generate service that also takes one image to start from, followed by `strength` (ultra, sd3). */
export interface ImageToImage {
  /** Fields taken with an image: no aspect_ratio, the output keeps the image's. */
  fields: readonly string[];
  /** Fields needed with an image. */
  required: readonly string[];
  /** sd3 is told its mode (`mode: image-to-image`). */
  sendsMode?: boolean;
}

export interface StabilityService {
  /** Path under the base URL. */
  path: string;
  /** The imagegate operation the service performs. */
  operation: Extract<Operation, 'text-to-image' | 'edit'>;
  prompt: PromptUse;
  /** Upstream fields (beyond prompt, image, mask) the service defines. */
  fields: readonly string[];
  /** Fields the service needs on every request. */
  required?: readonly string[];
  /** Fields of which at least one must be above 0 (outpaint's sides). */
  oneAboveZero?: readonly string[];
  /** The service takes a mask (inpaint, erase): optional, the image's alpha is used without one. */
  mask?: boolean;
  /** sd3: the upstream model goes in the `model` field. */
  sendsModel?: boolean;
  imageToImage?: ImageToImage;
}

const GENERATE_FIELDS = ['aspect_ratio', 'negative_prompt', 'seed', 'output_format', 'style_preset'];

const sd3 = (): StabilityService => ({
  path: '/v2beta/stable-image/generate/sd3',
  operation: 'text-to-image',
  prompt: 'required',
  fields: [...GENERATE_FIELDS, 'cfg_scale'],
  sendsModel: true,
  imageToImage: { fields: ['negative_prompt', 'seed', 'output_format', 'style_preset', 'cfg_scale', 'strength'], required: ['strength'], sendsMode: true },
});

/** Upstream model (the catalog's `upstream_model`) → the service it calls. */
export const SERVICES: Readonly<Record<string, StabilityService>> = {
  ultra: {
    path: '/v2beta/stable-image/generate/ultra',
    operation: 'text-to-image',
    prompt: 'required',
    fields: GENERATE_FIELDS,
    imageToImage: { fields: ['negative_prompt', 'seed', 'output_format', 'style_preset', 'strength'], required: ['strength'] },
  },
  core: { path: '/v2beta/stable-image/generate/core', operation: 'text-to-image', prompt: 'required', fields: GENERATE_FIELDS },
  'sd3.5-large': sd3(),
  'sd3.5-large-turbo': sd3(),
  'sd3.5-medium': sd3(),
  'sd3.5-flash': sd3(),
  inpaint: {
    path: '/v2beta/stable-image/edit/inpaint',
    operation: 'edit',
    prompt: 'required',
    fields: ['negative_prompt', 'grow_mask', 'seed', 'output_format', 'style_preset'],
    mask: true,
  },
  erase: {
    path: '/v2beta/stable-image/edit/erase',
    operation: 'edit',
    prompt: 'none',
    fields: ['grow_mask', 'seed', 'output_format'],
    mask: true,
  },
  'search-and-replace': {
    path: '/v2beta/stable-image/edit/search-and-replace',
    operation: 'edit',
    prompt: 'required',
    fields: ['search_prompt', 'negative_prompt', 'grow_mask', 'seed', 'output_format', 'style_preset'],
    required: ['search_prompt'],
  },
  outpaint: {
    path: '/v2beta/stable-image/edit/outpaint',
    operation: 'edit',
    prompt: 'optional',
    fields: ['left', 'right', 'up', 'down', 'creativity', 'seed', 'output_format', 'style_preset'],
    oneAboveZero: ['left', 'right', 'up', 'down'],
  },
};

/** Public param → Stability field: Stability's names are imagegate's own, so each is sent under its name. */
export const FIELD_OF_PARAM: Readonly<Record<string, string>> = Object.fromEntries(
  [...new Set(Object.values(SERVICES).flatMap((s) => [...s.fields, ...(s.imageToImage?.fields ?? [])]))].map((f) => [f, f]),
);

/** Route option `answer` (catalog `routes[].options`): how Stability is asked to answer. */
export type AnswerKind = 'image' | 'json';
export const ACCEPT_OF: Readonly<Record<AnswerKind, string>> = { image: 'image/*', json: 'application/json' };
/** Image bytes by default: no base64 on the wire, and the finish reason and seed come as headers. */
export const DEFAULT_ANSWER: AnswerKind = 'image';

/** Stability's `finish_reason` (JSON) / `finish-reason` header values. */
export const FINISH = { success: 'SUCCESS', filtered: 'CONTENT_FILTERED', error: 'ERROR' } as const;

/** Stability's output format when none is asked for. */
export const DEFAULT_OUTPUT_FORMAT = 'png';
