/**
 * Colours of a picture, chosen from the prompt's words: colour and mood words call up a named palette,
 * anything else gets hues from the seeded stream. `style` then tunes saturation (vivid / natural).
 */
import type { Random } from './random.js';

export interface Palette {
  skyTop: string;
  skyBottom: string;
  ground: string;
  /** Sun, moon, highlights. */
  accent: string;
  /** Fills for the shapes the prompt's words place. */
  shapes: readonly string[];
  /** Caption strip behind the white glyphs: always dark, so the caption reads on any scene. */
  band: string;
}

type NamedPalette = Omit<Palette, 'band'>;

const NAMED: Record<string, NamedPalette> = {
  sunset: { skyTop: '#ff7e5f', skyBottom: '#feb47b', ground: '#5b3a29', accent: '#ffd166', shapes: ['#c44536', '#772e25', '#f4a259'] },
  ocean: { skyTop: '#4facfe', skyBottom: '#b8f1ff', ground: '#1c5d99', accent: '#fff3b0', shapes: ['#0b3c5d', '#328cc1', '#d9b310'] },
  forest: { skyTop: '#a8e063', skyBottom: '#e8f5c8', ground: '#2d5016', accent: '#f9f871', shapes: ['#1b4332', '#40916c', '#95d5b2'] },
  night: { skyTop: '#0b1030', skyBottom: '#2a2f6b', ground: '#141a2e', accent: '#f5f1c8', shapes: ['#3f51b5', '#9fa8da', '#ffeb3b'] },
  snow: { skyTop: '#bcd4f0', skyBottom: '#f4f8ff', ground: '#dfe7f2', accent: '#fff6d5', shapes: ['#7aa7d9', '#4a6fa5', '#c0392b'] },
  fire: { skyTop: '#ff416c', skyBottom: '#ff9a3c', ground: '#4a0d0d', accent: '#ffd700', shapes: ['#b3001b', '#ff6b35', '#2b2d42'] },
  desert: { skyTop: '#f7d794', skyBottom: '#fbeedb', ground: '#c98b4a', accent: '#e15f41', shapes: ['#8d5524', '#e0a96d', '#2f4858'] },
  violet: { skyTop: '#654ea3', skyBottom: '#eaafc8', ground: '#2e1a47', accent: '#ffe29a', shapes: ['#8e44ad', '#f06292', '#4dd0e1'] },
  pink: { skyTop: '#ff9a9e', skyBottom: '#fecfef', ground: '#a05275', accent: '#ffffff', shapes: ['#e75480', '#ffc0cb', '#6a0572'] },
  mono: { skyTop: '#3a3a3a', skyBottom: '#bdbdbd', ground: '#1e1e1e', accent: '#f0f0f0', shapes: ['#000000', '#7a7a7a', '#d6d6d6'] },
};

/** Word → palette. Plurals are found by dropping a trailing "s". */
const PALETTE_OF_WORD: Record<string, keyof typeof NAMED> = {
  sunset: 'sunset',
  sunrise: 'sunset',
  dusk: 'sunset',
  dawn: 'sunset',
  orange: 'sunset',
  autumn: 'sunset',
  evening: 'sunset',
  ocean: 'ocean',
  sea: 'ocean',
  water: 'ocean',
  beach: 'ocean',
  wave: 'ocean',
  lake: 'ocean',
  river: 'ocean',
  blue: 'ocean',
  sky: 'ocean',
  forest: 'forest',
  tree: 'forest',
  green: 'forest',
  garden: 'forest',
  jungle: 'forest',
  leaf: 'forest',
  meadow: 'forest',
  spring: 'forest',
  night: 'night',
  moon: 'night',
  star: 'night',
  midnight: 'night',
  dark: 'night',
  space: 'night',
  galaxy: 'night',
  snow: 'snow',
  winter: 'snow',
  ice: 'snow',
  cold: 'snow',
  white: 'snow',
  frost: 'snow',
  fire: 'fire',
  red: 'fire',
  lava: 'fire',
  volcano: 'fire',
  flame: 'fire',
  cherry: 'fire',
  desert: 'desert',
  sand: 'desert',
  gold: 'desert',
  yellow: 'desert',
  dune: 'desert',
  purple: 'violet',
  violet: 'violet',
  dream: 'violet',
  magic: 'violet',
  fantasy: 'violet',
  lavender: 'violet',
  pink: 'pink',
  rose: 'pink',
  flower: 'pink',
  candy: 'pink',
  black: 'mono',
  grey: 'mono',
  gray: 'mono',
  monochrome: 'mono',
  noir: 'mono',
};

/** How each `style` value moves every colour: saturation factor and lightness shift. */
const STYLE_TUNING: Record<string, { saturation: number; lightness: number }> = {
  vivid: { saturation: 1.35, lightness: 0 },
  natural: { saturation: 0.6, lightness: 0.04 },
};

export const STYLES: readonly string[] = Object.keys(STYLE_TUNING);

export function paletteFor(words: readonly string[], random: Random, style?: string): Palette {
  const named = words.map((w) => PALETTE_OF_WORD[w] ?? PALETTE_OF_WORD[w.replace(/s$/, '')]).find((p) => p !== undefined);
  const base = named ? NAMED[named]! : hashedPalette(random);
  const tuning = style ? STYLE_TUNING[style] : undefined;
  const tune = (hex: string) => (tuning ? adjust(hex, tuning.saturation, tuning.lightness) : hex);
  const [h] = toHsl(base.ground);
  return {
    skyTop: tune(base.skyTop),
    skyBottom: tune(base.skyBottom),
    ground: tune(base.ground),
    accent: tune(base.accent),
    shapes: base.shapes.map(tune),
    band: fromHsl(h, 0.35, 0.12),
  };
}

function hashedPalette(random: Random): NamedPalette {
  const hue = random.between(0, 360);
  return {
    skyTop: fromHsl(hue, 0.6, 0.55),
    skyBottom: fromHsl(hue + 30, 0.7, 0.82),
    ground: fromHsl(hue + 180, 0.35, 0.3),
    accent: fromHsl(hue + 90, 0.9, 0.65),
    shapes: [fromHsl(hue + 150, 0.65, 0.45), fromHsl(hue + 210, 0.6, 0.6), fromHsl(hue + 300, 0.7, 0.5)],
  };
}

function adjust(hex: string, saturation: number, lightness: number): string {
  const [h, s, l] = toHsl(hex);
  return fromHsl(h, Math.min(1, s * saturation), Math.min(1, l + lightness));
}

function toHsl(hex: string): [number, number, number] {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255) as [number, number, number];
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const l = (max + min) / 2;
  const d = max - min;
  if (d === 0) return [0, 0, l];
  const s = d / (1 - Math.abs(2 * l - 1));
  const h = max === r ? ((g - b) / d + 6) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return [h * 60, s, l];
}

function fromHsl(hue: number, s: number, l: number): string {
  const h = ((hue % 360) + 360) % 360;
  const a = s * Math.min(l, 1 - l);
  const channel = (n: number) => {
    const k = (n + h / 30) % 12;
    const c = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(c * 255)
      .toString(16)
      .padStart(2, '0');
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}
