/**
 * The offline renderer: a deterministic picture composed from the prompt (palette from colour and mood
 * words, a scene layout and shapes chosen by hashing the words, the prompt as a caption). Same prompt, seed,
 * size and format → the same bytes. A renderer for development, demos and tests — not an AI model.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { OutputFormat } from '../../core/job.js';
import { glyphPixels } from './glyphs.js';

export interface RenderOptions {
  prompt: string;
  seed: number;
  width: number;
  height: number;
  format: OutputFormat;
  compression?: number;
  transparent?: boolean;
  /** Images the picture is built on (edits, image-to-image, variations): the first is the base layer. */
  references?: Buffer[];
  /** For edits: only where this mask is transparent is the picture repainted. */
  mask?: Buffer;
}

/** Palettes named by the words that call them up: [sky top, sky bottom, ground, accent]. */
const PALETTES: Array<[RegExp, [string, string, string, string]]> = [
  [/\b(night|moon|star|dark|midnight)/i, ['#0b1030', '#2a2f6b', '#141a2e', '#f5f1c8']],
  [/\b(sunset|dusk|evening|orange|autumn)/i, ['#ff7e5f', '#feb47b', '#5b3a29', '#ffd166']],
  [/\b(ocean|sea|water|beach|wave|blue)/i, ['#4facfe', '#00f2fe', '#1c5d99', '#ffffff']],
  [/\b(forest|tree|green|garden|jungle|leaf)/i, ['#a8e063', '#56ab2f', '#2d5016', '#f9f871']],
  [/\b(snow|winter|ice|cold|white)/i, ['#e6f0ff', '#ffffff', '#cfd9e6', '#7aa7d9']],
  [/\b(fire|red|lava|rose|cherry)/i, ['#ff416c', '#ff4b2b', '#4a0d0d', '#ffd700']],
  [/\b(desert|sand|gold|yellow)/i, ['#f7d794', '#f3a683', '#c98b4a', '#e15f41']],
  [/\b(purple|violet|dream|magic|fantasy)/i, ['#654ea3', '#eaafc8', '#2e1a47', '#ffe29a']],
];

function hashBytes(text: string, seed: number): Buffer {
  return createHash('sha256').update(`${seed}\u0000${text}`).digest();
}

function hslHex(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    const c = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(c * 255).toString(16).padStart(2, '0');
  };
  return `#${f(0)}${f(8)}${f(4)}`;
}

function palette(prompt: string, h: Buffer): [string, string, string, string] {
  for (const [re, p] of PALETTES) if (re.test(prompt)) return p;
  const hue = (h[0]! * 360) / 256;
  return [hslHex(hue, 0.6, 0.55), hslHex((hue + 40) % 360, 0.7, 0.75), hslHex((hue + 180) % 360, 0.35, 0.3), hslHex((hue + 90) % 360, 0.9, 0.6)];
}

function caption(text: string, width: number, height: number): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (!clean) return '';
  const scale = Math.max(1, Math.floor(Math.min(width, height) / 128));
  const charW = 6 * scale;
  const maxChars = Math.max(1, Math.floor((width - 4 * scale) / charW));
  const line = clean.length > maxChars ? `${clean.slice(0, Math.max(1, maxChars - 1))}.` : clean;
  const bandH = 9 * scale;
  const y0 = height - bandH;
  const x0 = Math.floor((width - line.length * charW) / 2);
  const rects: string[] = [`<rect x="0" y="${y0}" width="${width}" height="${bandH}" fill="#000" fill-opacity="0.45"/>`];
  [...line].forEach((ch, i) => {
    for (const [px, py] of glyphPixels(ch)) {
      rects.push(`<rect x="${x0 + i * charW + px * scale}" y="${y0 + scale + py * scale}" width="${scale}" height="${scale}"/>`);
    }
  });
  return `${rects[0]}<g fill="#fff">${rects.slice(1).join('')}</g>`;
}

/** The scene as SVG: sky gradient, sun or moon, a ridge line, shapes placed by the prompt's words. */
export function sceneSvg(o: Pick<RenderOptions, 'prompt' | 'seed' | 'width' | 'height' | 'transparent'>): string {
  const { width: w, height: h } = o;
  const bytes = hashBytes(o.prompt, o.seed);
  const [top, bottom, ground, accent] = palette(o.prompt, bytes);
  const horizon = Math.round(h * (0.55 + (bytes[1]! / 255) * 0.2));
  const sunX = Math.round(w * (0.15 + (bytes[2]! / 255) * 0.7));
  const sunY = Math.round(horizon * (0.25 + (bytes[3]! / 255) * 0.4));
  const sunR = Math.max(2, Math.round(Math.min(w, h) * (0.06 + (bytes[4]! / 255) * 0.08)));
  const ridge: string[] = [`M0 ${horizon}`];
  for (let i = 0; i <= 8; i++) ridge.push(`L${Math.round((w * i) / 8)} ${horizon - Math.round(((bytes[5 + i]! / 255) - 0.3) * h * 0.15)}`);
  ridge.push(`L${w} ${h} L0 ${h} Z`);
  const words = o.prompt.split(/\s+/).filter(Boolean).slice(0, 12);
  const shapes = words.map((word, i) => {
    const wb = hashBytes(word, o.seed + i);
    const x = Math.round((wb[0]! / 255) * w);
    const y = Math.round(horizon + (wb[1]! / 255) * (h - horizon) * 0.8);
    const s = Math.max(2, Math.round(Math.min(w, h) * (0.02 + (wb[2]! / 255) * 0.06)));
    const fill = hslHex((wb[3]! * 360) / 256, 0.65, 0.5);
    return wb[4]! % 3 === 0
      ? `<circle cx="${x}" cy="${y}" r="${s}" fill="${fill}"/>`
      : wb[4]! % 3 === 1
        ? `<rect x="${x - s}" y="${y - s}" width="${2 * s}" height="${2 * s}" fill="${fill}" transform="rotate(${wb[5]! % 90} ${x} ${y})"/>`
        : `<path d="M${x} ${y - 2 * s} L${x + s} ${y} L${x - s} ${y} Z" fill="${fill}"/>`;
  });
  const sky = o.transparent ? '' : `<rect width="${w}" height="${h}" fill="url(#sky)"/>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">
<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${top}"/><stop offset="1" stop-color="${bottom}"/></linearGradient></defs>
${sky}<circle cx="${sunX}" cy="${sunY}" r="${sunR}" fill="${accent}"/>
<path d="${ridge.join(' ')}" fill="${ground}"/>${shapes.join('')}${caption(o.prompt, w, h)}</svg>`;
}

export async function renderImage(o: RenderOptions): Promise<Buffer> {
  const { width, height } = o;
  let img = sharp(Buffer.from(sceneSvg(o)), { density: 72 }).resize(width, height, { fit: 'fill' });
  if (o.references?.length) {
    // The first reference is the base; the scene is laid over it half-transparent, so the output depends on it.
    const base = await sharp(o.references[0]!).resize(width, height, { fit: 'cover' }).ensureAlpha().png().toBuffer();
    const scene = await img.ensureAlpha(0.5).png().toBuffer();
    let layer = scene;
    if (o.mask) {
      // Keep the scene only where the mask is transparent (the area to edit).
      const editArea = await sharp(o.mask).resize(width, height, { fit: 'fill' }).ensureAlpha().extractChannel(3).negate().toBuffer();
      layer = await sharp(await sharp(scene).removeAlpha().toBuffer()).joinChannel(editArea).png().toBuffer();
    }
    img = sharp(base).composite([{ input: layer }]);
  }
  if (!o.transparent && o.format !== 'png') img = img.flatten({ background: '#ffffff' });
  const quality = o.compression === undefined ? 90 : Math.max(1, 100 - o.compression);
  switch (o.format) {
    case 'jpeg':
      return img.jpeg({ quality }).toBuffer();
    case 'webp':
      return img.webp({ quality }).toBuffer();
    default:
      return img.png({ compressionLevel: 6 }).toBuffer();
  }
}
