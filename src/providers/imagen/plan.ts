/**
 * ImageJob → Imagen's `parameters` object: pure, run by validate() before the hold, so anything Imagen cannot
 * do exactly is a 400 naming the public field, never a substitution.
 */
import { invalidRequest, unsupportedField } from '../../domain/errors.js';
import type { ImageJob } from '../../domain/job.js';
import type { Route } from '../../domain/adapter.js';
import {
  EDIT_MODES,
  type ImagenApi,
  type ImagenTier,
  OUTPUT_MIME,
  RATIO_DIMS_1K,
  REFERENCE_TYPES,
  SUBJECT_TYPES,
  TIER_SCALE,
  VERTEX_ONLY_FIELDS,
} from './mapping.js';

export interface ImagenParameters {
  sampleCount: number;
  aspectRatio?: string;
  sampleImageSize?: ImagenTier;
  personGeneration?: string;
  safetySetting?: string;
  addWatermark?: boolean;
  negativePrompt?: string;
  seed?: number;
  outputOptions?: { mimeType: string; compressionQuality?: number };
  /** Ask for a reason on each filtered image, so that a partial answer can say how many were filtered. */
  includeRaiReason: true;
  editMode?: string;
}

/** How the references of an image-to-image request are sent (customization). */
export interface ReferencePlan {
  type: string;
  config: { subjectImageConfig: { subjectDescription: string; subjectType: string } } | { styleImageConfig: { styleDescription: string } };
}

export interface ImagenPlan {
  parameters: ImagenParameters;
  references?: ReferencePlan;
  /** The WxH every image comes back at, when the request fixes it. */
  outputSize?: string;
}

const sizeOf = (ratio: string, tier: ImagenTier): string | undefined => {
  const d = RATIO_DIMS_1K[ratio];
  return d ? `${d[0] * TIER_SCALE[tier]}x${d[1] * TIER_SCALE[tier]}` : undefined;
};

/** The tiers the catalog offers for this model (`resolution` values), 1K when it names none. */
function tiersOf(route: Route): ImagenTier[] {
  const values = route.model.fields.resolution?.values ?? [];
  const tiers = values.filter((v): v is ImagenTier => v === '1K' || v === '2K');
  return tiers.length ? tiers : ['1K'];
}

/** size / aspect_ratio / resolution → aspectRatio and sampleImageSize, exactly or a 400. */
function shape(job: ImageJob, route: Route): { aspectRatio?: string; sampleImageSize?: ImagenTier; outputSize?: string } {
  const { size, aspect_ratio: ratio, resolution } = job.params;
  const tiers = tiersOf(route);
  const tier = resolution === undefined ? undefined : (resolution as ImagenTier);
  if (tier !== undefined && !tiers.includes(tier)) throw invalidRequest('resolution', `Imagen model "${job.model}" renders at ${tiers.join(' or ')}.`);
  // sampleImageSize is sent only to models that take a choice of tier.
  const sampleImageSize = tiers.length > 1 ? tier : undefined;
  if (size !== undefined && size !== 'auto') {
    const match = tiers.flatMap((t) => Object.keys(RATIO_DIMS_1K).map((r) => ({ r, t, s: sizeOf(r, t) }))).find((x) => x.s === size);
    if (!match) throw invalidRequest('size', `Imagen does not render ${size}; use one of the sizes the model lists, or aspect_ratio.`);
    if (ratio !== undefined && ratio !== match.r) throw invalidRequest('aspect_ratio', `size ${size} is ${match.r}, not ${ratio}: send one of the two.`);
    if (tier !== undefined && tier !== match.t) throw invalidRequest('resolution', `size ${size} is a ${match.t} size, not ${tier}: send one of the two.`);
    return { aspectRatio: match.r, ...(tiers.length > 1 ? { sampleImageSize: match.t } : {}), outputSize: size };
  }
  if (ratio !== undefined && !RATIO_DIMS_1K[ratio])
    throw invalidRequest('aspect_ratio', `Imagen takes the aspect ratios ${Object.keys(RATIO_DIMS_1K).join(', ')}.`);
  const outputSize = ratio === undefined && tier === undefined ? undefined : sizeOf(ratio ?? '1:1', tier ?? '1K');
  return { ...(ratio ? { aspectRatio: ratio } : {}), ...(sampleImageSize ? { sampleImageSize } : {}), outputSize };
}

function outputOptions(job: ImageJob): ImagenParameters['outputOptions'] {
  const { output_format: format, output_compression: compression } = job.params;
  if (format === undefined && compression === undefined) return undefined;
  const mimeType = OUTPUT_MIME[format ?? 'png'];
  if (!mimeType) throw invalidRequest('output_format', 'Imagen writes png or jpeg.');
  if (compression !== undefined && mimeType !== 'image/jpeg') throw invalidRequest('output_compression', 'output_compression applies to jpeg output only.');
  return { mimeType, ...(compression !== undefined ? { compressionQuality: compression } : {}) };
}

function editMode(job: ImageJob): string | undefined {
  if (job.operation !== 'edit') return undefined;
  const mode = String(job.params.edit_mode ?? (job.mask ? 'inpaint_insertion' : 'background_swap'));
  const upstream = EDIT_MODES[mode];
  if (!upstream) throw invalidRequest('edit_mode', `edit_mode must be one of ${Object.keys(EDIT_MODES).join(', ')}.`);
  // Without a mask only a background swap has an area to change: Imagen finds the background itself.
  if (!job.mask && mode !== 'background_swap') throw invalidRequest('mask', `edit_mode ${mode} needs a mask marking the area to change.`);
  return upstream;
}

/** image-to-image: every reference of one kind, described in words as Imagen requires. */
function referencePlan(job: ImageJob): ReferencePlan | undefined {
  if (job.operation !== 'image-to-image') return undefined;
  const kind = String(job.params.reference_type ?? 'subject');
  const spec = REFERENCE_TYPES[kind];
  if (!spec) throw invalidRequest('reference_type', `reference_type must be one of ${Object.keys(REFERENCE_TYPES).join(', ')}.`);
  const description = typeof job.params.reference_description === 'string' ? job.params.reference_description.trim() : '';
  if (!description)
    throw invalidRequest('reference_description', `Imagen needs reference_description: a few words saying what the ${kind} of the references is.`);
  if (spec.config === 'styleImageConfig') return { type: spec.type, config: { styleImageConfig: { styleDescription: description } } };
  const subjectType = SUBJECT_TYPES[String(job.params.subject_type ?? 'default')];
  if (!subjectType) throw invalidRequest('subject_type', `subject_type must be one of ${Object.keys(SUBJECT_TYPES).join(', ')}.`);
  return { type: spec.type, config: { subjectImageConfig: { subjectDescription: description, subjectType } } };
}

export function planImagen(job: ImageJob, route: Route, api: ImagenApi): ImagenPlan {
  if (api === 'gemini') {
    const field = VERTEX_ONLY_FIELDS.find((f) => job.params[f] !== undefined);
    if (field) throw unsupportedField(field, `${field} is not available for Imagen through the Gemini API (only on Vertex AI); remove it.`);
    if (job.operation !== 'text-to-image') throw invalidRequest('image', 'Imagen edits run on Vertex AI only.');
  }
  const p = job.params;
  if (p.seed !== undefined && p.watermark === true)
    throw invalidRequest('seed', 'Imagen takes a seed only without its watermark: send watermark false, or no seed.');
  const { outputSize, ...dims } = shape(job, route);
  const parameters: ImagenParameters = {
    sampleCount: job.n,
    ...dims,
    ...(p.person_generation !== undefined ? { personGeneration: String(p.person_generation) } : {}),
    ...(p.safety_setting !== undefined ? { safetySetting: String(p.safety_setting) } : {}),
    // A seed is honoured only with the watermark off (Vertex AI docs), so asking for one turns it off.
    ...(p.watermark !== undefined || p.seed !== undefined ? { addWatermark: p.watermark ?? false } : {}),
    ...(p.negative_prompt !== undefined ? { negativePrompt: p.negative_prompt } : {}),
    ...(p.seed !== undefined ? { seed: p.seed } : {}),
    includeRaiReason: true,
  };
  const output = outputOptions(job);
  if (output) parameters.outputOptions = output;
  const mode = editMode(job);
  if (mode) parameters.editMode = mode;
  const references = referencePlan(job);
  return { parameters, ...(references ? { references } : {}), outputSize: job.operation === 'edit' ? undefined : outputSize };
}
