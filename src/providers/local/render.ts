/**
 * The offline renderer: a deterministic picture composed from the prompt (palette from colour and mood
 * words, a layout and shapes chosen by hashing the words, the prompt as a caption in a built-in bitmap
 * font), rasterised by sharp's librsvg. Same options → the same bytes. For development, demos and tests;
 * not an AI model.
 */
import sharp, { type OverlayOptions, type Sharp } from 'sharp';
import type { OutputFormat } from '../../core/job.js';
import { captionSvg, layoutCaption } from './caption.js';
import { paletteFor } from './palette.js';
import { randomFor } from './random.js';
import { sceneSvg } from './scenes.js';

export interface RenderOptions {
  prompt: string;
  seed: number;
  width: number;
  height: number;
  format: OutputFormat;
  /** 0–100, OpenAI semantics: used as the JPEG/WebP quality (100 = least loss). PNG is lossless and ignores it. */
  compression?: number;
  /** Alpha background (png and webp; JPEG has no alpha and is always flattened). */
  transparent?: boolean;
  /** `vivid` or `natural`: more or less saturated colours. */
  style?: string;
  /** Input images (edits, image-to-image, variations): the first is the base layer, others are inset. */
  references?: Buffer[];
  /** With references: only where this mask is transparent is the first reference repainted. */
  mask?: Buffer;
}

/** How much of the generated scene shows over a reference, so the output visibly depends on both. */
const SCENE_OVER_REFERENCE = 0.5;
/** Opaque output is flattened onto this colour where an input image was transparent. */
const FLATTEN_ONTO = '#ffffff';

const ENCODE: Record<OutputFormat, (img: Sharp, compression: number | undefined) => Sharp> = {
  // zlib effort 6 without adaptive filtering: a 1024px picture encodes in tens of milliseconds.
  png: (img) => img.png({ compressionLevel: 6, adaptiveFiltering: false }),
  // OpenAI's output_compression defaults to 100 and higher keeps more detail: it acts as the quality.
  jpeg: (img, compression) => img.jpeg({ quality: qualityOf(compression) }),
  webp: (img, compression) => img.webp({ quality: qualityOf(compression) }),
};

const qualityOf = (compression: number | undefined) => Math.min(100, Math.max(1, Math.round(compression ?? 100)));

export async function renderImage(o: RenderOptions): Promise<Buffer> {
  const picture = await compose(o);
  const keepAlpha = o.transparent === true && o.format !== 'jpeg';
  const finished = keepAlpha ? picture.ensureAlpha() : picture.flatten({ background: FLATTEN_ONTO });
  return ENCODE[o.format](finished, o.compression).toBuffer();
}

/** The whole picture as SVG: scene (optionally faded) with the caption on top at full strength. */
function pictureSvg(o: Pick<RenderOptions, 'prompt' | 'seed' | 'width' | 'height' | 'transparent' | 'style'>, sceneOpacity = 1): string {
  const { width, height } = o;
  const words = o.prompt.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const random = randomFor(o.seed, o.prompt);
  const palette = paletteFor(words, random, o.style);
  const scene = sceneSvg({ width, height, palette, random, seed: o.seed, words, transparent: o.transparent === true });
  const caption = captionSvg(layoutCaption(o.prompt, width, height), width, palette.band);
  const body = sceneOpacity < 1 ? `<g opacity="${sceneOpacity}">${scene}</g>` : scene;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${body}${caption}</svg>`;
}

async function compose(o: RenderOptions): Promise<Sharp> {
  const [first, ...others] = o.references ?? [];
  if (!first) return sharp(Buffer.from(pictureSvg(o)));
  return o.mask ? repaintThroughMask(first, o.mask, o) : blendOverReference(first, others, o);
}

const raw = (width: number, height: number, channels: 1 | 2 | 3 | 4) => ({ raw: { width, height, channels } });

/**
 * Compositing happens on raw pixels and hands raw pixels on, so each input is decoded once and the result
 * encoded once (sharp applies flatten before composite inside a single pipeline, hence the hand-over).
 */
async function blendOverReference(first: Buffer, others: Buffer[], o: RenderOptions): Promise<Sharp> {
  const { width, height } = o;
  const thumbs = await insets(others, o);
  const { data, info } = await sharp(first)
    .resize(width, height, { fit: 'cover' })
    .ensureAlpha()
    .composite([{ input: Buffer.from(pictureSvg(o, SCENE_OVER_REFERENCE)) }, ...thumbs])
    .raw()
    .toBuffer({ resolveWithObject: true });
  return sharp(data, raw(info.width, info.height, info.channels));
}

/** Further references as small squares along the top edge, as many as fit. */
async function insets(others: Buffer[], o: RenderOptions): Promise<OverlayOptions[]> {
  const side = Math.floor(Math.min(o.width, o.height) / 6);
  const gap = Math.max(1, Math.floor(side / 8));
  if (side < 4) return [];
  const fitting = others.slice(0, Math.floor((o.width - gap) / (side + gap)));
  return Promise.all(
    fitting.map(async (bytes, i) => {
      const { data, info } = await sharp(bytes).resize(side, side, { fit: 'cover' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      return { input: data, ...raw(info.width, info.height, 4), left: gap + i * (side + gap), top: gap };
    }),
  );
}

/**
 * Edit with a mask: the picture is laid over the source through the mask's inverted alpha, so transparent
 * mask pixels are repainted, opaque ones keep the source exactly, and partial alpha blends.
 */
async function repaintThroughMask(source: Buffer, mask: Buffer, o: RenderOptions): Promise<Sharp> {
  const { width, height } = o;
  const [keep, scene] = await Promise.all([
    // The mask is resized like the source (same fit), so they stay aligned when both share dimensions.
    sharp(mask).resize(width, height, { fit: 'cover' }).ensureAlpha().extractChannel(3).raw().toBuffer(),
    sharp(Buffer.from(pictureSvg(o))).ensureAlpha().raw().toBuffer(),
  ]);
  for (let i = 0, p = 3; i < keep.length; i++, p += 4) scene[p] = Math.round((scene[p]! * (255 - keep[i]!)) / 255);
  const { data, info } = await sharp(source)
    .resize(width, height, { fit: 'cover' })
    .ensureAlpha()
    .composite([{ input: scene, ...raw(width, height, 4) }])
    .raw()
    .toBuffer({ resolveWithObject: true });
  return sharp(data, raw(info.width, info.height, info.channels));
}
