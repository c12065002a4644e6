/**
 * imagegate job → DashScope request, as data (DashScope API docs): which protocol each model speaks, how each
 * public parameter is spelled upstream, and the W*H DashScope is sent for each aspect ratio. What a model
 * accepts (its sizes and size rule, ratios, tiers, n, native fields) is the catalog's (Route.model): plan.ts
 * joins the two into ModelTraits.
 */
import type { SizeRule } from '../../domain/model-spec.js';

/**
 * `task`: create on /services/aigc/{text2image|image2image}/image-synthesis, then poll /tasks/{id}.
 * `messages`: one synchronous call to /services/aigc/multimodal-generation/generation.
 */
export type Protocol = 'task' | 'messages';
export const PROTOCOLS: readonly Protocol[] = ['task', 'messages'];

/** Route option that overrides the table below, e.g. `options: { protocol: task }` for qwen-image on the task API. */
export const PROTOCOL_OPTION = 'protocol';

/** Parameters only some models define (wan2.7); the catalog model's fields say which. */
export const NATIVE_FIELDS = ['thinking_mode', 'bbox_list', 'enable_sequential'] as const;
export type NativeField = (typeof NATIVE_FIELDS)[number];

/** Images one request makes at most, unless `enable_sequential` makes a series (then the catalog's n.max). */
export const MAX_N_PER_REQUEST = 4;

/** What plan.ts and size.ts work from for one job: the catalog's facts and this table's spelling, joined. */
export interface ModelTraits {
  protocol: Protocol;
  /** Public WIDTHxHEIGHT sizes the model takes: the catalog's listed values (accepted even where they stray from the rule) and its rule. */
  sizes: { listed: readonly string[]; rule?: SizeRule };
  /** Public aspect ratio → the W*H sent for it: the ratios the catalog offers that this table can say. */
  aspectRatios: Readonly<Record<string, string>>;
  /** Tier strings DashScope takes as `size` on the job's operation. */
  tiers: readonly string[];
  maxN: number;
  /** n allowed when `enable_sequential` is on (a picture series). */
  maxSequentialN?: number;
  /** Provider-native parameters the model defines. */
  native: readonly NativeField[];
}

// The provider's recommended size per ratio (assumed). Its own 3:4 / 9:16 entries hold slightly fewer pixels than
// 1280*1280 (the catalog lists them as accepted sizes beside the rule). 2:3, 3:2 and 21:9 are computed: exact
// ratio, sides multiples of 16, pixels within the rule.
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

// qwen-image-plus takes exactly five sizes (the ratios are approximate: 1664*928 is the "16:9").
const QWEN_RATIOS = { '16:9': '1664*928', '4:3': '1472*1140', '1:1': '1328*1328', '3:4': '1140*1472', '9:16': '928*1664' } as const;

/** How an upstream model is spoken to: its protocol, and the W*H sent for each aspect ratio. */
export interface ModelSpelling {
  protocol: Protocol;
  aspectRatios: Readonly<Record<string, string>>;
}

const task = (aspectRatios: Record<string, string>): ModelSpelling => ({ protocol: 'task', aspectRatios });
const messages = (aspectRatios: Record<string, string> = {}): ModelSpelling => ({ protocol: 'messages', aspectRatios });

/** Upstream model name → how it is spoken to. */
export const MODELS: Readonly<Record<string, ModelSpelling>> = {
  'wan2.5-t2i-preview': task(WAN25_RATIOS),
  'wan2.2-t2i-flash': task(WAN22_RATIOS),
  'wan2.2-t2i-plus': task(WAN22_RATIOS),
  'wanx2.1-t2i-turbo': task(WAN22_RATIOS),
  'wanx2.1-t2i-plus': task(WAN22_RATIOS),
  'wan2.6-t2i': messages(WAN25_RATIOS),
  'wan2.6-image': messages(WAN25_RATIOS),
  'wan2.7-image': messages(),
  'wan2.7-image-pro': messages(),
  'qwen-image-plus': messages(QWEN_RATIOS),
};

/** A model of the table, or a dated snapshot of one (`qwen-image-plus-2026-01-09`), which is spoken to the same way. */
export function spellingOf(upstreamModel: string): ModelSpelling | undefined {
  const name = Object.hasOwn(MODELS, upstreamModel) ? upstreamModel : upstreamModel.replace(/-\d{4}-\d{2}-\d{2}$/, '');
  return Object.hasOwn(MODELS, name) ? MODELS[name] : undefined;
}

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
