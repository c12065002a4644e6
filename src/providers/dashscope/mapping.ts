/**
 * imagegate job → DashScope request, as data (DashScope API docs): which protocol each model speaks, how each
 * public parameter is spelled upstream, and each model's size grammar (W*H rule, documented sizes, aspect
 * ratio table, "1K"/"2K" tiers).
 *
 * The size rules repeat the catalog's on purpose: an operator overlay may loosen the catalog, the upstream
 * will not, and an unrepresentable request must be a 400 here rather than a rejected upstream call.
 */
import type { SizeRule } from '../../catalog/schema.js';
import type { Operation } from '../../core/job.js';

/**
 * `task`: create on /services/aigc/{text2image|image2image}/image-synthesis, then poll /tasks/{id}.
 * `messages`: one synchronous call to /services/aigc/multimodal-generation/generation.
 */
export type Protocol = 'task' | 'messages';
export const PROTOCOLS: readonly Protocol[] = ['task', 'messages'];

/** Route option that overrides the table below, e.g. `options: { protocol: task }` for qwen-image on the task API. */
export const PROTOCOL_OPTION = 'protocol';

/** Parameters only some models define (wan2.7); the model table says which. */
export const NATIVE_FIELDS = ['thinking_mode', 'bbox_list', 'enable_sequential'] as const;
export type NativeField = (typeof NATIVE_FIELDS)[number];

export interface ModelTraits {
  protocol: Protocol;
  /**
   * Public WIDTHxHEIGHT sizes the model takes: the documented list (accepted even where it strays from the
   * rule) and/or a free-form rule. `catalog` = a model this table does not know: whatever the catalog admitted.
   */
  sizes: { listed: readonly string[]; rule?: SizeRule } | 'catalog';
  /** Public aspect ratio → the W*H sent for it. */
  aspectRatios: Readonly<Record<string, string>>;
  /** Tier strings DashScope takes as `size`, per operation. */
  tiers: Partial<Record<Operation, readonly string[]>>;
  maxN: number;
  /** n allowed when `enable_sequential` is on (a picture series). */
  maxSequentialN?: number;
  /** Provider-native parameters the model defines. */
  native: readonly NativeField[];
}

// wan2.5: total pixels 1280*1280..1440*1440, ratio 1:4..4:1 (DashScope API docs). The side bounds only restate what
// the pixel and ratio bounds imply (640 = sqrt(1280²/4), 2880 = sqrt(1440²·4)).
const WAN25_RULE: SizeRule = {
  multiple_of: 1,
  min_width: 640,
  min_height: 640,
  max_width: 2880,
  max_height: 2880,
  min_pixels: 1280 * 1280,
  max_pixels: 1440 * 1440,
  max_ratio: 4,
};

// wan2.2 / wanx2.1: each side 512..1440 px, any combination (assumed: the API docs gives no rule).
const WAN22_RULE: SizeRule = { multiple_of: 1, min_width: 512, min_height: 512, max_width: 1440, max_height: 1440 };

// The provider's recommended size per ratio (assumed). Its own 3:4 / 9:16 entries hold slightly fewer pixels than
// 1280*1280, so they are listed as accepted sizes beside the rule. 2:3, 3:2 and 21:9 are computed: exact ratio,
// sides multiples of 16, pixels within the rule.
const WAN25_RATIOS = {
  '1:1': '1280*1280',
  '3:4': '1104*1472',
  '4:3': '1472*1104',
  '9:16': '960*1696',
  '16:9': '1696*960',
  '2:3': '1088*1632',
  '3:2': '1632*1088',
  '21:9': '2016*864',
} as const;
const WAN25_LISTED = ['1280x1280', '1104x1472', '1472x1104', '960x1696', '1696x960'];

// About one megapixel per ratio, exact ratios, inside 512..1440 per side.
const WAN22_RATIOS = {
  '1:1': '1024*1024',
  '4:3': '1152*864',
  '3:4': '864*1152',
  '16:9': '1280*720',
  '9:16': '720*1280',
  '3:2': '1248*832',
  '2:3': '832*1248',
  '21:9': '1344*576',
} as const;

// qwen-image-plus takes exactly these five sizes (the ratios are approximate: 1664*928 is the "16:9").
const QWEN_RATIOS = { '16:9': '1664*928', '4:3': '1472*1140', '1:1': '1328*1328', '3:4': '1140*1472', '9:16': '928*1664' } as const;

const WAN27_TIERS = ['1K', '2K'] as const;

const wanTask = (rule: SizeRule, ratios: Record<string, string>, listed: readonly string[] = []): ModelTraits => ({
  protocol: 'task',
  sizes: { listed, rule },
  aspectRatios: ratios,
  tiers: {},
  maxN: 4,
  native: [],
});

const wan27 = (textToImageTiers: readonly string[]): ModelTraits => ({
  protocol: 'messages',
  sizes: { listed: [] },
  aspectRatios: {},
  tiers: { 'text-to-image': textToImageTiers, 'image-to-image': WAN27_TIERS, edit: WAN27_TIERS },
  maxN: 4,
  maxSequentialN: 12,
  native: ['thinking_mode', 'bbox_list', 'enable_sequential'],
});

/** Upstream model name → traits. */
export const MODELS: Readonly<Record<string, ModelTraits>> = {
  'wan2.5-t2i-preview': wanTask(WAN25_RULE, WAN25_RATIOS, WAN25_LISTED),
  'wan2.2-t2i-flash': wanTask(WAN22_RULE, WAN22_RATIOS),
  'wan2.2-t2i-plus': wanTask(WAN22_RULE, WAN22_RATIOS),
  'wanx2.1-t2i-turbo': wanTask(WAN22_RULE, WAN22_RATIOS),
  'wanx2.1-t2i-plus': wanTask(WAN22_RULE, WAN22_RATIOS),
  // wan2.6: the docs give 1280*1280 as default and a pixel range like wan2.5's (assumed).
  'wan2.6-t2i': { ...wanTask(WAN25_RULE, WAN25_RATIOS, WAN25_LISTED), protocol: 'messages' },
  'wan2.6-image': { ...wanTask(WAN25_RULE, WAN25_RATIOS, WAN25_LISTED), protocol: 'messages' },
  'wan2.7-image': wan27(WAN27_TIERS),
  'wan2.7-image-pro': wan27([...WAN27_TIERS, '4K']),
  'qwen-image-plus': {
    protocol: 'messages',
    sizes: { listed: Object.values(QWEN_RATIOS).map((s) => s.replace('*', 'x')) },
    aspectRatios: QWEN_RATIOS,
    tiers: {},
    maxN: 4,
    native: [],
  },
};

/** A model this table does not know (an operator's overlay): the catalog contract is the only authority. */
export const UNKNOWN_MODEL: Omit<ModelTraits, 'protocol'> = { sizes: 'catalog', aspectRatios: {}, tiers: {}, maxN: 4, native: [] };

interface UpstreamField {
  /** Where the field lives in the request body. */
  at: 'input' | 'parameters';
  name: string;
}
const inParameters = (name: string): UpstreamField => ({ at: 'parameters', name });

/**
 * Public parameter → upstream field, per protocol. Values pass unchanged (DashScope's types match the public
 * ones). A parameter with no entry for the protocol cannot be sent on it. size / aspect_ratio / resolution are
 * not here: they combine into the one `size` field (see size.ts).
 */
export const PARAMETERS: Readonly<Record<string, Partial<Record<Protocol, UpstreamField>>>> = {
  negative_prompt: { task: { at: 'input', name: 'negative_prompt' }, messages: inParameters('negative_prompt') },
  seed: { task: inParameters('seed'), messages: inParameters('seed') },
  prompt_extend: { task: inParameters('prompt_extend'), messages: inParameters('prompt_extend') },
  watermark: { task: inParameters('watermark'), messages: inParameters('watermark') },
  thinking_mode: { messages: inParameters('thinking_mode') },
  bbox_list: { messages: inParameters('bbox_list') },
  enable_sequential: { messages: inParameters('enable_sequential') },
};

/** The public parameters that make up the upstream `size`. */
export const GEOMETRY_PARAMETERS = ['size', 'aspect_ratio', 'resolution'] as const;

/**
 * Sent on every request even when the client left them out: DashScope's own defaults are n = 4 (four images
 * billed for a request that asked for one) and a watermark on some models (assumed). `n` always comes from the job.
 */
export const ALWAYS_SENT_DEFAULTS = { watermark: false } as const;

/** Upstream paths under the base URL. */
export const PATHS = {
  textToImageTask: '/services/aigc/text2image/image-synthesis',
  // The API reference gives this path for edits; the images are assumed to go in `input.images` as on wan2.5-i2i.
  imageToImageTask: '/services/aigc/image2image/image-synthesis',
  messages: '/services/aigc/multimodal-generation/generation',
  task: (id: string) => `/tasks/${encodeURIComponent(id)}`,
  cancel: (id: string) => `/tasks/${encodeURIComponent(id)}/cancel`,
} as const;

/** Public WIDTHxHEIGHT ↔ DashScope W*H. */
export const toUpstreamSize = (size: string) => size.replace('x', '*');
export const fromUpstreamSize = (size: string) => size.replace('*', 'x');
