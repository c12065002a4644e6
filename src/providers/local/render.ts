/**
 * The offline renderer: a deterministic picture composed from the prompt (palette from colour and mood
 * words, a layout and shapes chosen by hashing the words, the prompt as a caption in a built-in bitmap
 * font), rasterised by sharp's librsvg. Same options → the same bytes. For development, demos and tests;
 * not an AI model.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import sharp, { type OverlayOptions, type Sharp } from 'sharp';
import type { OutputFormat } from '../../domain/job.js';
import { untilAborted } from './abortable.js';
import { captionSvg, layoutCaption } from './caption.js';
import { paletteFor } from './palette.js';
import { setPngDensity } from './png-density.js';
import { randomFor } from './random.js';
import { sceneSvg } from './scenes.js';
import { rasterise, SVG_DPI, svgDocument } from './stripes.js';

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

/** Pixels ready to finish and encode, with the density to tag a PNG with when they came from the SVG. */
interface Picture {
  image: Sharp;
  dpi?: number;
}

/**
 * Renders and encodes one picture. Once `signal` aborts it rejects with the signal's reason at once, and
 * the work still running is at most one stripe or the final encode.
 */
export async function renderImage(o: RenderOptions, signal: AbortSignal): Promise<Buffer> {
  const picture = await compose(o, signal);
  signal.throwIfAborted();
  const keepAlpha = o.transparent === true && o.format !== 'jpeg';
  const finished = keepAlpha ? picture.image.ensureAlpha() : picture.image.flatten({ background: FLATTEN_ONTO });
  const bytes = await untilAborted(ENCODE[o.format](finished, o.compression).toBuffer(), signal);
  return o.format === 'png' && picture.dpi !== undefined ? setPngDensity(bytes, picture.dpi) : bytes;
}

type PictureOptions = Pick<RenderOptions, 'prompt' | 'seed' | 'width' | 'height' | 'transparent' | 'style'>;

/** The whole picture as SVG: scene (optionally faded) with the caption on top at full strength. */
function pictureSvg(o: PictureOptions, sceneOpacity = 1): string {
  return svgDocument(pictureBody(o, sceneOpacity), o.width, o.height);
}

/** The picture's SVG content, without the document element. */
function pictureBody(o: PictureOptions, sceneOpacity: number): string {
  const { width, height } = o;
  const words =
    o.prompt
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  const random = randomFor(o.seed, o.prompt);
  const palette = paletteFor(words, random, o.style);
  const scene = sceneSvg({ width, height, palette, random, seed: o.seed, words, transparent: o.transparent === true });
  const caption = captionSvg(layoutCaption(o.prompt, width, height), width, palette.band);
  const body = sceneOpacity < 1 ? `<g opacity="${sceneOpacity}">${scene}</g>` : scene;
  return `${body}${caption}`;
}

async function compose(o: RenderOptions, signal: AbortSignal): Promise<Picture> {
  const [first, ...others] = o.references ?? [];
  if (!first) return { image: await rasterise(pictureBody(o, 1), o.width, o.height, signal), dpi: SVG_DPI };
  const image = await (o.mask ? repaintThroughMask(first, o.mask, o, signal) : blendOverReference(first, others, o, signal));
  return { image };
}

const raw = (width: number, height: number, channels: 1 | 2 | 3 | 4) => ({ raw: { width, height, channels } });

/**
 * Compositing happens on raw pixels and hands raw pixels on, so each input is decoded once and the result
 * encoded once (sharp applies flatten before composite inside a single pipeline, hence the hand-over).
 */
async function blendOverReference(first: Buffer, others: Buffer[], o: RenderOptions, signal: AbortSignal): Promise<Sharp> {
  const { width, height } = o;
  const thumbs = await untilAborted(insets(others, o), signal);
  const blended = sharp(first)
    .resize(width, height, { fit: 'cover' })
    .ensureAlpha()
    .composite([{ input: Buffer.from(pictureSvg(o, SCENE_OVER_REFERENCE)) }, ...thumbs]);
  const { data, info } = await untilAborted(blended.raw().toBuffer({ resolveWithObject: true }), signal);
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
async function repaintThroughMask(source: Buffer, mask: Buffer, o: RenderOptions, signal: AbortSignal): Promise<Sharp> {
  const { width, height } = o;
  const layers = Promise.all([
    // The mask is resized like the source (same fit), so they stay aligned when both share dimensions.
    sharp(mask).resize(width, height, { fit: 'cover' }).ensureAlpha().extractChannel(3).raw().toBuffer(),
    sharp(Buffer.from(pictureSvg(o)))
      .ensureAlpha()
      .raw()
      .toBuffer(),
  ]);
  const [keep, scene] = await untilAborted(layers, signal);
  await fadeWhereKept(scene, keep, signal);
  const repainted = sharp(source)
    .resize(width, height, { fit: 'cover' })
    .ensureAlpha()
    .composite([{ input: scene, ...raw(width, height, 4) }]);
  const { data, info } = await untilAborted(repainted.raw().toBuffer({ resolveWithObject: true }), signal);
  return sharp(data, raw(info.width, info.height, info.channels));
}

/** Pixels per pass over the mask: a 2048x2048 mask is 16 passes of a few milliseconds each. */
const MASK_PIXELS_PER_PASS = 256 * 1024;

/**
 * Makes the scene see-through where the mask keeps the source, in passes that yield to the event loop
 * between them: in one go, a 2048x2048 mask held the process for 20–100 ms.
 */
async function fadeWhereKept(scene: Buffer, keep: Buffer, signal: AbortSignal): Promise<void> {
  for (let start = 0; start < keep.length; start += MASK_PIXELS_PER_PASS) {
    if (start > 0) await yieldToEventLoop();
    signal.throwIfAborted();
    const end = Math.min(keep.length, start + MASK_PIXELS_PER_PASS);
    for (let i = start, p = start * 4 + 3; i < end; i++, p += 4) scene[p] = Math.round((scene[p]! * (255 - keep[i]!)) / 255);
  }
}
