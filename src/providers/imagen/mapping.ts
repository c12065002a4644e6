/**
 * imagegate params → Imagen `:predict` parameters, as data (Vertex AI "Imagen API" reference, and the Gemini
 * API's Imagen page): which public field becomes which upstream parameter, the pixel size Imagen returns per
 * aspect ratio and tier, and which parameters each of Google's two APIs takes. Which ratios, tiers and fields
 * a model offers are the catalog's (Route.model).
 */

export type ImagenTier = '1K' | '2K';
export type ImagenApi = 'vertex' | 'gemini';

/** Output dimensions per aspect ratio at 1K; 2K doubles both sides (Vertex AI Imagen docs, "aspect ratio"). */
export const RATIO_DIMS_1K: Readonly<Record<string, readonly [number, number]>> = {
  '1:1': [1024, 1024],
  '3:4': [896, 1280],
  '4:3': [1280, 896],
  '9:16': [768, 1408],
  '16:9': [1408, 768],
};
export const TIER_SCALE: Record<ImagenTier, number> = { '1K': 1, '2K': 2 };

/**
 * person_generation and safety_setting pass through unchanged: Imagen spells its values as the public
 * contract does (dont_allow, block_only_high, …), and the catalog lists the values each model takes.
 */

/** output_format → outputOptions.mimeType: Imagen writes PNG or JPEG only. */
export const OUTPUT_MIME: Readonly<Record<string, string>> = { png: 'image/png', jpeg: 'image/jpeg' };

/** edit_mode → editMode of imagen-3.0-capability-001 (Vertex AI "Edit images" docs). */
export const EDIT_MODES: Readonly<Record<string, string>> = {
  inpaint_insertion: 'EDIT_MODE_INPAINT_INSERTION',
  inpaint_removal: 'EDIT_MODE_INPAINT_REMOVAL',
  outpaint: 'EDIT_MODE_OUTPAINT',
  background_swap: 'EDIT_MODE_BGSWAP',
};

/**
 * reference_type → how imagen-3.0-capability-001 uses the references of an image-to-image request (Vertex AI
 * "Subject customization" and "Style customization"): each becomes a reference the prompt names as [1], [2]…
 */
export const REFERENCE_TYPES: Readonly<Record<string, { type: string; config: 'subjectImageConfig' | 'styleImageConfig' }>> = {
  subject: { type: 'REFERENCE_TYPE_SUBJECT', config: 'subjectImageConfig' },
  style: { type: 'REFERENCE_TYPE_STYLE', config: 'styleImageConfig' },
};

/** subject_type → subjectImageConfig.subjectType. */
export const SUBJECT_TYPES: Readonly<Record<string, string>> = {
  default: 'SUBJECT_TYPE_DEFAULT',
  person: 'SUBJECT_TYPE_PERSON',
  animal: 'SUBJECT_TYPE_ANIMAL',
  product: 'SUBJECT_TYPE_PRODUCT',
};

/**
 * Public fields only Vertex takes. The Gemini API refuses seed, addWatermark, negativePrompt and
 * outputOptions on Imagen (google-genai SDK: "not supported in Gemini API"), and takes safetySetting only as
 * block_low_and_above: it is left to Vertex whole (assumed, see docs/architecture.md).
 */
export const VERTEX_ONLY_FIELDS = ['seed', 'watermark', 'negative_prompt', 'safety_setting', 'output_format', 'output_compression'] as const;

/** Imagen models answer `:predict`; every other Google image model, generateContent. */
export const isImagenModel = (upstreamModel: string): boolean => /^(models\/)?imagen-/.test(upstreamModel);
