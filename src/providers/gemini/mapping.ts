/**
 * imagegate params → Gemini `generationConfig.imageConfig`, as data: which public field becomes which
 * upstream field, and per model family the pixel size Gemini returns for each aspect ratio (from Google's
 * image-generation docs). Which ratios and tiers a model offers, and its reference limits, are the
 * catalog's (Route.model). image-config.ts applies both.
 */

export type Tier = '1K' | '2K' | '4K';
export type Dims = readonly [width: number, height: number];

/**
 * Public param → imageConfig field. Values pass through in the same spelling ("16:9", "2K" — Gemini wants
 * the uppercase K the public contract already uses); which values a model takes is its profile below.
 * `size` has no upstream field: it is looked up in the profile's size table and becomes both fields.
 */
export const PARAM_TO_IMAGE_CONFIG = {
  aspect_ratio: 'aspectRatio',
  resolution: 'imageSize',
} as const;

/** Each tier's pixel size is the 1K size times this (true of every row in Google's tables). */
export const TIER_SCALE: Record<Tier, number> = { '1K': 1, '2K': 2, '4K': 4 };

/** Gemini 2.5 Flash Image output at its one (about 1024 px) tier. */
const GEMINI_25_1K: Record<string, Dims> = {
  '1:1': [1024, 1024],
  '2:3': [832, 1248],
  '3:2': [1248, 832],
  '3:4': [864, 1184],
  '4:3': [1184, 864],
  '4:5': [896, 1152],
  '5:4': [1152, 896],
  '9:16': [768, 1344],
  '16:9': [1344, 768],
  '21:9': [1536, 672],
};

/**
 * Gemini 3 image models (3 Pro, 3.1 Flash) at 1K. Google's table differs from 2.5 Flash's for most ratios
 * (2:3 is 848x1264 here, 832x1248 there), so each family keeps its own rows rather than sharing one.
 */
const GEMINI_3_1K: Record<string, Dims> = {
  '1:1': [1024, 1024],
  '2:3': [848, 1264],
  '3:2': [1264, 848],
  '3:4': [896, 1200],
  '4:3': [1200, 896],
  '4:5': [928, 1152],
  '5:4': [1152, 928],
  '9:16': [768, 1376],
  '16:9': [1376, 768],
  '21:9': [1584, 672],
};

/**
 * The extreme ratios only 3.1 Flash takes (assumed: not every Google page lists them); they are
 * offered because Google's current 3.1 Flash table lists them, and an upstream refusal would surface as a
 * plain upstream 400 rather than a wrong image.
 */
const GEMINI_31_EXTRA_1K: Record<string, Dims> = {
  '1:4': [512, 2048],
  '4:1': [2048, 512],
  '1:8': [384, 3072],
  '8:1': [3072, 384],
};

/**
 * One model's output sizes, joined from this table and its catalog entry: the ratios the catalog offers
 * (with their 1K dimensions from here) and the catalog's resolution tiers. No tiers: the model has one
 * output size and takes no imageConfig.imageSize (2.5 Flash).
 */
export interface GeminiProfile {
  /** Aspect ratio → output dimensions at 1K. */
  ratios: Readonly<Record<string, Dims>>;
  tiers: readonly Tier[];
  takesImageSize: boolean;
}

/** Upstream model name → its output size per aspect ratio at 1K; first match wins (preview and dated names share their family's). */
export const RATIO_TABLES: ReadonlyArray<{ model: RegExp; ratios: Readonly<Record<string, Dims>> }> = [
  { model: /^gemini-2\.5-flash-image/, ratios: GEMINI_25_1K },
  { model: /^gemini-3-pro-image/, ratios: GEMINI_3_1K },
  { model: /^gemini-3\.1-flash-image/, ratios: { ...GEMINI_3_1K, ...GEMINI_31_EXTRA_1K } },
];

export const TIERS: readonly Tier[] = ['1K', '2K', '4K'];
const isTier = (v: unknown): v is Tier => (TIERS as readonly unknown[]).includes(v);

/**
 * The three OpenAI sizes clients send by habit, mapped to the nearest Gemini shape at 1K. This is the one
 * approximation in the table: the image comes back at Gemini's real dimensions (e.g. 1248x832 for
 * 1536x1024), and the result's `size` says so.
 */
export const OPENAI_SIZE_APPROXIMATIONS: Readonly<Record<string, string>> = {
  '1024x1024': '1:1',
  '1536x1024': '3:2',
  '1024x1536': '2:3',
};

/**
 * The profile of a model this table can size, given the ratios and tiers its catalog entry offers;
 * undefined for an upstream model the table does not know.
 */
export function profileFor(upstreamModel: string, offered: { ratios: readonly unknown[]; tiers: readonly unknown[] }): GeminiProfile | undefined {
  const name = upstreamModel.replace(/^models\//, '');
  const table = RATIO_TABLES.find((t) => t.model.test(name))?.ratios;
  if (!table) return undefined;
  const ratios = Object.fromEntries(
    offered.ratios
      .map(String)
      .filter((r) => Object.hasOwn(table, r))
      .map((r) => [r, table[r]!]),
  );
  const tiers = offered.tiers.filter(isTier);
  return { ratios, tiers: tiers.length ? tiers : ['1K'], takesImageSize: tiers.length > 0 };
}

export function sizeAt(profile: GeminiProfile, ratio: string, tier: Tier): string | undefined {
  const base = profile.ratios[ratio];
  if (!base) return undefined;
  const k = TIER_SCALE[tier];
  return `${base[0] * k}x${base[1] * k}`;
}

/** Every WxH the model returns, with the ratio and tier it comes from. */
export function tableSizes(profile: GeminiProfile): Array<{ size: string; ratio: string; tier: Tier }> {
  return profile.tiers.flatMap((tier) => Object.keys(profile.ratios).map((ratio) => ({ size: sizeAt(profile, ratio, tier)!, ratio, tier })));
}
