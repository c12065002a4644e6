/**
 * Imagen's `:predict` as Google serves it (Vertex AI "Imagen API" reference, Gemini API "Imagen" page), shared
 * by the Gemini API fake and the Vertex fake: `{instances: [{prompt, referenceImages?}], parameters}` →
 * `{predictions: [{bytesBase64Encoded, mimeType} | {raiFilteredReason}]}`, with real images of the size
 * Imagen returns per aspect ratio and tier. It refuses what the real API refuses (unknown or per-API
 * parameters, counts, ratios, sizes, seed with the watermark on, edits on a generate model) with Google's
 * 400 INVALID_ARGUMENT. Knobs: filter some or all images (RAI), refuse the prompt itself.
 */
import type { ServerResponse } from 'node:http';
import { googleError } from './gemini.js';
import { type RecordedRequest, sendJson } from './http-fake.js';
import { makeImage } from './images.js';

type Api = 'vertex' | 'gemini';

interface ImagenModel {
  maxSamples: number;
  sizes: string[];
  edits: boolean;
}

const MODELS: Record<string, ImagenModel> = {
  'imagen-4.0-generate-001': { maxSamples: 4, sizes: ['1K', '2K'], edits: false },
  'imagen-4.0-ultra-generate-001': { maxSamples: 4, sizes: ['1K', '2K'], edits: false },
  'imagen-4.0-fast-generate-001': { maxSamples: 4, sizes: [], edits: false },
  'imagen-3.0-generate-002': { maxSamples: 4, sizes: [], edits: false },
  'imagen-3.0-capability-001': { maxSamples: 4, sizes: [], edits: true },
};

/** Google's output sizes at 1K, per aspect ratio. */
const DIMS: Record<string, [number, number]> = { '1:1': [1024, 1024], '3:4': [896, 1280], '4:3': [1280, 896], '9:16': [768, 1408], '16:9': [1408, 768] };

const COMMON_PARAMETERS = ['sampleCount', 'aspectRatio', 'personGeneration', 'sampleImageSize', 'includeRaiReason', 'includeSafetyAttributes', 'safetySetting'];
const VERTEX_PARAMETERS = [
  ...COMMON_PARAMETERS,
  'addWatermark',
  'negativePrompt',
  'seed',
  'outputOptions',
  'enhancePrompt',
  'language',
  'storageUri',
  'editMode',
  'editConfig',
];
const PARAMETERS: Record<Api, Set<string>> = { vertex: new Set(VERTEX_PARAMETERS), gemini: new Set(COMMON_PARAMETERS) };
const SUBJECT_TYPES = new Set(['SUBJECT_TYPE_DEFAULT', 'SUBJECT_TYPE_PERSON', 'SUBJECT_TYPE_ANIMAL', 'SUBJECT_TYPE_PRODUCT']);
const EDIT_MODES = new Set(['EDIT_MODE_INPAINT_INSERTION', 'EDIT_MODE_INPAINT_REMOVAL', 'EDIT_MODE_OUTPAINT', 'EDIT_MODE_BGSWAP']);

export const RAI_REASON =
  "Unable to show generated images. All images were filtered out because they violated Vertex AI's usage guidelines. Support codes: 56562880";
export const PROMPT_REFUSED =
  "Image generation failed with the following error: The prompt could not be submitted. This prompt contains sensitive words that violate Google's Responsible AI practices. Try rephrasing the prompt. Support codes: 42876398";

export class ImagenPredictor {
  /** The next answer's last N images are filtered (raiFilteredReason in their place). */
  filterNext = 0;
  /** The next N requests are refused as a prompt against Google's Responsible AI practices (HTTP 400). */
  refusePromptNext = 0;
  /** Without includeRaiReason, an all-filtered answer is `{}`; this makes the fake leave reasons out. */
  omitReasons = false;

  constructor(private readonly api: Api) {}

  reset(): void {
    this.filterNext = this.refusePromptNext = 0;
    this.omitReasons = false;
  }

  private problem(model: ImagenModel, body: unknown): string | undefined {
    if (typeof body !== 'object' || body === null) return 'Invalid JSON payload received.';
    const { instances, parameters = {}, ...extra } = body as { instances?: unknown; parameters?: Record<string, unknown> };
    if (Object.keys(extra).length) return `Invalid JSON payload received. Unknown name "${Object.keys(extra)[0]}": Cannot find field.`;
    if (!Array.isArray(instances) || instances.length !== 1) return 'Only one instance is supported per request.';
    const instance = instances[0] as { prompt?: unknown; referenceImages?: Array<Record<string, unknown>> };
    if (typeof instance.prompt !== 'string') return 'Prompt is required.';
    for (const k of Object.keys(parameters))
      if (!PARAMETERS[this.api].has(k)) return `Invalid JSON payload received. Unknown name "${k}" at 'parameters': Cannot find field.`;
    const count = parameters.sampleCount ?? 4;
    if (typeof count !== 'number' || count < 1 || count > model.maxSamples) return `Number of images must be between 1 and ${model.maxSamples}.`;
    if (parameters.aspectRatio !== undefined && !DIMS[String(parameters.aspectRatio)]) return `Unsupported aspect ratio: ${String(parameters.aspectRatio)}`;
    if (parameters.sampleImageSize !== undefined && !model.sizes.includes(String(parameters.sampleImageSize)))
      return `Unsupported sample image size: ${String(parameters.sampleImageSize)}`;
    if (parameters.seed !== undefined && parameters.addWatermark !== false) return 'Seed is not supported when watermark is enabled.';
    const refs = instance.referenceImages;
    const customization = refs?.some((r) => r.referenceType === 'REFERENCE_TYPE_SUBJECT' || r.referenceType === 'REFERENCE_TYPE_STYLE');
    if (customization) {
      if (!model.edits) return 'Image customization is not supported by this model.';
      if (parameters.editMode !== undefined) return 'editMode cannot be combined with subject or style references.';
      for (const r of refs!) {
        if (!(r.referenceImage as { bytesBase64Encoded?: string } | undefined)?.bytesBase64Encoded) return 'Each reference image needs its bytes.';
        const subject = r.subjectImageConfig as { subjectDescription?: string; subjectType?: string } | undefined;
        const style = r.styleImageConfig as { styleDescription?: string } | undefined;
        if (r.referenceType === 'REFERENCE_TYPE_SUBJECT' && (!subject?.subjectDescription || !SUBJECT_TYPES.has(String(subject.subjectType))))
          return 'A subject reference needs subjectImageConfig with subjectDescription and subjectType.';
        if (r.referenceType === 'REFERENCE_TYPE_STYLE' && !style?.styleDescription) return 'A style reference needs styleImageConfig with styleDescription.';
      }
      if (new Set(refs!.map((r) => r.referenceId)).size !== refs!.length) return 'referenceId must be unique.';
      return undefined;
    }
    if (parameters.editMode !== undefined || refs !== undefined) {
      if (!model.edits) return 'Image editing is not supported by this model.';
      if (!EDIT_MODES.has(String(parameters.editMode))) return `Unsupported edit mode: ${String(parameters.editMode)}`;
      const raw = refs?.find((r) => r.referenceType === 'REFERENCE_TYPE_RAW');
      const mask = refs?.find((r) => r.referenceType === 'REFERENCE_TYPE_MASK');
      if (!raw || !(raw.referenceImage as { bytesBase64Encoded?: string } | undefined)?.bytesBase64Encoded)
        return 'A raw reference image is required for editing.';
      const maskMode = (mask?.maskImageConfig as { maskMode?: string } | undefined)?.maskMode;
      if (!mask || !maskMode) return 'A mask reference image with maskImageConfig is required for editing.';
      if (maskMode === 'MASK_MODE_USER_PROVIDED' && !(mask.referenceImage as { bytesBase64Encoded?: string } | undefined)?.bytesBase64Encoded)
        return 'MASK_MODE_USER_PROVIDED needs the mask image.';
    }
    return undefined;
  }

  async predict(r: RecordedRequest, res: ServerResponse, modelName: string): Promise<void> {
    const model = MODELS[modelName];
    if (!model)
      return sendJson(res, 404, googleError(404, 'NOT_FOUND', `Publisher Model \`${modelName}\` was not found or your project does not have access to it.`));
    const problem = this.problem(model, r.json);
    if (problem) return sendJson(res, 400, googleError(400, 'INVALID_ARGUMENT', problem));
    if (this.refusePromptNext > 0) {
      this.refusePromptNext--;
      return sendJson(res, 400, googleError(400, 'INVALID_ARGUMENT', PROMPT_REFUSED));
    }
    const parameters = ((r.json as { parameters?: Record<string, unknown> }).parameters ?? {}) as {
      sampleCount?: number;
      aspectRatio?: string;
      sampleImageSize?: string;
      includeRaiReason?: boolean;
      outputOptions?: { mimeType?: string };
    };
    const count = parameters.sampleCount ?? 4;
    const [w, h] = DIMS[parameters.aspectRatio ?? '1:1']!;
    const k = parameters.sampleImageSize === '2K' ? 2 : 1;
    const jpeg = parameters.outputOptions?.mimeType === 'image/jpeg';
    const image = await makeImage(w * k, h * k, { format: jpeg ? 'jpeg' : 'png' });
    const filtered = Math.min(count, this.filterNext);
    this.filterNext = 0;
    const predictions = [
      ...Array.from({ length: count - filtered }, () => ({ bytesBase64Encoded: image.toString('base64'), mimeType: jpeg ? 'image/jpeg' : 'image/png' })),
      ...(parameters.includeRaiReason && !this.omitReasons ? Array.from({ length: filtered }, () => ({ raiFilteredReason: RAI_REASON })) : []),
    ];
    // Google answers `{}` when nothing is left to show and no reason was asked for.
    sendJson(res, 200, predictions.length ? { predictions } : {});
  }
}
