/**
 * The caption strip: the prompt spelled in the 5x7 font, word-wrapped onto at most two centred lines in a
 * dark band along the bottom edge. Glyph pixels become squares of `scale` image pixels, merged into
 * horizontal runs so a long caption stays a short SVG path.
 */
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyphRows, normalizeCaption } from './glyphs.js';

/** A glyph cell is the glyph plus one column / two rows of spacing. */
const CELL_WIDTH = GLYPH_WIDTH + 1;
const LINE_HEIGHT = GLYPH_HEIGHT + 2;
/** Aim for about this many characters across the picture. */
const CHARS_ACROSS = 28;
/** The band may take at most this share of the picture's height. */
const MAX_BAND_SHARE = 0.3;
const MAX_LINES = 2;
export const CAPTION_INK = '#ffffff';

export interface InkRun {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface CaptionLayout {
  lines: string[];
  /** Size in image pixels of one glyph pixel. */
  scale: number;
  /** The strip behind the text; absent when there is nothing to write. */
  band?: { y: number; height: number };
  /** Inked rectangles, in image pixels; they never overlap. */
  runs: InkRun[];
}

export function layoutCaption(text: string, width: number, height: number): CaptionLayout {
  const clean = normalizeCaption(text);
  const scale = Math.max(1, Math.min(Math.floor(width / (CELL_WIDTH * CHARS_ACROSS)), Math.floor(height / 64)));
  const maxChars = Math.floor((width - scale) / (CELL_WIDTH * scale));
  if (!clean || maxChars < 1) return { lines: [], scale, runs: [] };
  const fitLines = Math.floor((height * MAX_BAND_SHARE - 2 * scale) / (LINE_HEIGHT * scale));
  const lines = wrap(clean, maxChars, Math.max(1, Math.min(MAX_LINES, fitLines)));
  const bandHeight = lines.length * LINE_HEIGHT * scale + 2 * scale;
  const bandY = height - bandHeight;
  const runs: InkRun[] = [];
  lines.forEach((line, lineIndex) => {
    const lineWidth = line.length * CELL_WIDTH * scale - scale;
    const left = Math.floor((width - lineWidth) / 2);
    const top = bandY + 2 * scale + lineIndex * LINE_HEIGHT * scale;
    [...line].forEach((ch, charIndex) => {
      glyphRows(ch).forEach((row, rowIndex) => {
        for (const m of row.matchAll(/#+/g)) {
          runs.push({
            x: left + (charIndex * CELL_WIDTH + m.index) * scale,
            y: top + rowIndex * scale,
            width: m[0].length * scale,
            height: scale,
          });
        }
      });
    });
  });
  return { lines, scale, band: { y: bandY, height: bandHeight }, runs };
}

export function captionSvg(layout: CaptionLayout, width: number, bandColour: string): string {
  if (!layout.band) return '';
  const d = layout.runs.map((r) => `M${r.x} ${r.y}h${r.width}v${r.height}h-${r.width}z`).join('');
  return (
    `<rect x="0" y="${layout.band.y}" width="${width}" height="${layout.band.height}" fill="${bandColour}"/>` +
    `<path d="${d}" fill="${CAPTION_INK}" shape-rendering="crispEdges"/>`
  );
}

/** Greedy word wrap; a word longer than a line is split; text beyond the last line ends in "...". */
function wrap(text: string, maxChars: number, maxLines: number): string[] {
  const pieces = text.split(' ').flatMap((word) => word.match(new RegExp(`.{1,${maxChars}}`, 'g')) ?? []);
  const lines: string[] = [];
  let current = '';
  for (const piece of pieces) {
    const joined = current ? `${current} ${piece}` : piece;
    if (joined.length <= maxChars) {
      current = joined;
      continue;
    }
    lines.push(current);
    current = piece;
    if (lines.length === maxLines) break;
  }
  if (lines.length < maxLines) return [...lines, current];
  const last = lines[maxLines - 1]!;
  const ellipsis = '...'.slice(0, maxChars);
  lines[maxLines - 1] = `${last.slice(0, maxChars - ellipsis.length).trimEnd()}${ellipsis}`;
  return lines;
}
