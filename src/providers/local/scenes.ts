/**
 * Compositions. A scene word in the prompt ("city", "ocean", "night", …) picks the layout; otherwise the
 * seeded stream does. Every prompt word then places one shape of its own, seeded by the word, so adding a
 * word adds a shape without moving the others.
 */
import type { Palette } from './palette.js';
import { randomFor, type Random } from './random.js';

export interface SceneCanvas {
  width: number;
  height: number;
  palette: Palette;
  /** The stream for this picture (seed and prompt). */
  random: Random;
  seed: number;
  /** Lowercase prompt words, letters and digits only. */
  words: readonly string[];
  /** Leave the sky out so the background is alpha. */
  transparent: boolean;
}

type SceneKind = 'landscape' | 'seascape' | 'city' | 'night-sky' | 'abstract';

const SCENE_OF_WORD: Record<string, SceneKind> = {
  mountain: 'landscape',
  hill: 'landscape',
  valley: 'landscape',
  field: 'landscape',
  forest: 'landscape',
  landscape: 'landscape',
  ocean: 'seascape',
  sea: 'seascape',
  beach: 'seascape',
  lake: 'seascape',
  wave: 'seascape',
  boat: 'seascape',
  ship: 'seascape',
  city: 'city',
  town: 'city',
  street: 'city',
  building: 'city',
  skyline: 'city',
  tower: 'city',
  village: 'city',
  night: 'night-sky',
  star: 'night-sky',
  moon: 'night-sky',
  space: 'night-sky',
  galaxy: 'night-sky',
  abstract: 'abstract',
  pattern: 'abstract',
  geometric: 'abstract',
  shape: 'abstract',
  logo: 'abstract',
  icon: 'abstract',
};

const DRAW: Record<SceneKind, (c: SceneCanvas, horizon: number) => string> = {
  landscape: (c, horizon) => sun(c, horizon) + ridge(c, horizon - c.height * 0.12, 0.12, c.palette.shapes[1]!) + ridge(c, horizon, 0.06, c.palette.ground),
  seascape: (c, horizon) => sun(c, horizon) + sea(c, horizon),
  city: (c, horizon) => sun(c, horizon) + skyline(c, horizon) + rect(0, horizon, c.width, c.height - horizon, c.palette.ground),
  'night-sky': (c, horizon) => stars(c, horizon) + moon(c, horizon) + ridge(c, horizon, 0.05, c.palette.ground),
  abstract: (c) => rings(c),
};

const SCENE_KINDS = Object.keys(DRAW) as SceneKind[];
const MAX_WORD_SHAPES = 16;

export function sceneSvg(c: SceneCanvas): string {
  const named = c.words.map((w) => SCENE_OF_WORD[w] ?? SCENE_OF_WORD[w.replace(/s$/, '')]).find((k) => k !== undefined);
  const kind = named ?? c.random.pick(SCENE_KINDS);
  const horizon = Math.round(c.height * c.random.between(0.55, 0.72));
  const sky = c.transparent ? '' : `<rect width="${c.width}" height="${c.height}" fill="url(#sky)"/>`;
  const defs =
    `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">` +
    `<stop offset="0" stop-color="${c.palette.skyTop}"/><stop offset="1" stop-color="${c.palette.skyBottom}"/></linearGradient></defs>`;
  return defs + sky + DRAW[kind](c, horizon) + wordShapes(c, horizon);
}

const px = (v: number) => Math.round(v);
const rect = (x: number, y: number, w: number, h: number, fill: string) =>
  `<rect x="${px(x)}" y="${px(y)}" width="${Math.max(1, px(w))}" height="${Math.max(1, px(h))}" fill="${fill}"/>`;
const circle = (x: number, y: number, r: number, fill: string, extra = '') =>
  `<circle cx="${px(x)}" cy="${px(y)}" r="${Math.max(1, px(r))}" fill="${fill}"${extra}/>`;

function sun(c: SceneCanvas, horizon: number): string {
  const r = Math.min(c.width, c.height) * c.random.between(0.06, 0.12);
  return circle(c.random.between(0.15, 0.85) * c.width, horizon * c.random.between(0.25, 0.6), r, c.palette.accent);
}

function moon(c: SceneCanvas, horizon: number): string {
  const r = Math.min(c.width, c.height) * c.random.between(0.06, 0.1);
  const x = c.random.between(0.2, 0.8) * c.width;
  const y = horizon * c.random.between(0.2, 0.45);
  // The crescent is the moon with a sky-coloured disc over it.
  return circle(x, y, r, c.palette.accent) + circle(x + r * 0.45, y - r * 0.2, r * 0.9, c.palette.skyTop);
}

function stars(c: SceneCanvas, horizon: number): string {
  const count = Math.min(120, Math.round((c.width * horizon) / 6000) + 8);
  const size = Math.max(1, Math.min(c.width, c.height) / 400);
  let out = '';
  for (let i = 0; i < count; i++) out += circle(c.random.next() * c.width, c.random.next() * horizon, size * c.random.between(0.6, 1.8), c.palette.accent);
  return out;
}

/** A jagged band of hills whose top wanders around `base` by up to `amplitude` of the height. */
function ridge(c: SceneCanvas, base: number, amplitude: number, fill: string): string {
  const steps = 10;
  let d = `M0 ${px(base)}`;
  for (let i = 0; i <= steps; i++) d += `L${px((c.width * i) / steps)} ${px(base - c.random.between(-0.3, 1) * amplitude * c.height)}`;
  return `<path d="${d}L${c.width} ${c.height}L0 ${c.height}Z" fill="${fill}"/>`;
}

function sea(c: SceneCanvas, horizon: number): string {
  const waveColour = c.palette.skyBottom;
  let out = rect(0, horizon, c.width, c.height - horizon, c.palette.ground);
  const rows = 6;
  const stroke = Math.max(1, c.height / 200);
  for (let i = 1; i <= rows; i++) {
    const y = horizon + ((c.height - horizon) * i) / (rows + 1);
    const wave = c.width / c.random.between(4, 9);
    let d = `M0 ${px(y)}`;
    for (let x = 0; x < c.width; x += wave) d += `q${px(wave / 4)} ${px(-stroke * 3)} ${px(wave / 2)} 0t${px(wave / 2)} 0`;
    out += `<path d="${d}" fill="none" stroke="${waveColour}" stroke-opacity="0.6" stroke-width="${px(stroke)}"/>`;
  }
  return out;
}

function skyline(c: SceneCanvas, horizon: number): string {
  let out = '';
  let x = 0;
  const window = Math.max(1, Math.min(c.width, c.height) / 60);
  while (x < c.width) {
    const w = c.width * c.random.between(0.06, 0.14);
    const h = c.height * c.random.between(0.15, 0.45);
    const top = horizon - h;
    out += rect(x, top, w, h + 1, c.random.pick(c.palette.shapes));
    // Lit windows on a grid; capped so a 2048px picture stays a small SVG.
    for (let wy = top + window * 2; wy < horizon - window * 2 && wy < top + window * 40; wy += window * 3) {
      for (let wx = x + window; wx < x + w - window * 2; wx += window * 2.5) {
        if (c.random.next() < 0.45) out += rect(wx, wy, window, window * 1.4, c.palette.accent);
      }
    }
    x += w + c.width * c.random.between(0, 0.02);
  }
  return out;
}

function rings(c: SceneCanvas): string {
  const cx = c.random.between(0.3, 0.7) * c.width;
  const cy = c.random.between(0.3, 0.6) * c.height;
  const max = Math.max(c.width, c.height) * 0.6;
  const fills = [c.palette.accent, ...c.palette.shapes, c.palette.ground];
  let out = '';
  for (let i = 0; i < 7; i++) out += circle(cx, cy, max * (1 - i / 7), fills[i % fills.length]!, ` fill-opacity="0.85"`);
  return out;
}

/** One shape per word (first MAX_WORD_SHAPES words), below the horizon or anywhere for short pictures. */
function wordShapes(c: SceneCanvas, horizon: number): string {
  const unit = Math.min(c.width, c.height);
  return c.words
    .slice(0, MAX_WORD_SHAPES)
    .map((word, i) => {
      const r = randomFor(c.seed + i, word);
      const x = r.next() * c.width;
      const y = horizon * 0.4 + r.next() * (c.height - horizon * 0.4);
      const s = Math.max(1, unit * r.between(0.025, 0.07));
      const fill = r.pick(c.palette.shapes);
      return SHAPES[r.index(SHAPES.length)]!(x, y, s, fill, r.index(90));
    })
    .join('');
}

const SHAPES: ReadonlyArray<(x: number, y: number, s: number, fill: string, turn: number) => string> = [
  (x, y, s, fill) => circle(x, y, s, fill),
  (x, y, s, fill, turn) =>
    `<rect x="${px(x - s)}" y="${px(y - s)}" width="${px(2 * s)}" height="${px(2 * s)}" fill="${fill}" transform="rotate(${turn} ${px(x)} ${px(y)})"/>`,
  (x, y, s, fill) => `<path d="M${px(x)} ${px(y - 2 * s)}L${px(x + s)} ${px(y)}L${px(x - s)} ${px(y)}Z" fill="${fill}"/>`,
  // A tree: trunk and crown.
  (x, y, s, fill) =>
    `${rect(x - s * 0.2, y, s * 0.4, s, '#4a3426')}<path d="M${px(x)} ${px(y - 2.5 * s)}L${px(x + s)} ${px(y)}L${px(x - s)} ${px(y)}Z" fill="${fill}"/>`,
];
