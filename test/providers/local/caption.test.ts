import { describe, expect, it } from 'vitest';
import { layoutCaption } from '../../../src/providers/local/caption.js';
import { GLYPH_CHARS, glyphRows, normalizeCaption } from '../../../src/providers/local/glyphs.js';
import { generate, rgba } from './support.js';

const WHITE = 0xffffffff;

describe('local renderer: caption', () => {
  it('defines every glyph as 7 rows of 5 columns of # and .', () => {
    for (const ch of GLYPH_CHARS) {
      const rows = glyphRows(ch);
      expect(rows, ch).toHaveLength(7);
      for (const row of rows) expect(row, ch).toMatch(/^[#.]{5}$/);
    }
  });

  it('puts white pixels exactly where the caption glyphs are inked, and nowhere else in the band', async () => {
    const prompt = 'Hi 42!';
    const [bytes] = await generate({ prompt, params: { size: '512x512', seed: 11 } });
    const { data, width } = await rgba(bytes!);
    const layout = layoutCaption(prompt, 512, 512);
    expect(layout.scale).toBe(3);
    expect(layout.lines).toEqual(['HI 42!']);
    const band = layout.band!;
    const inked = new Set<number>();
    for (const r of layout.runs) for (let y = r.y; y < r.y + r.height; y++) for (let x = r.x; x < r.x + r.width; x++) inked.add(y * width + x);
    let white = 0;
    let misplaced = 0;
    for (let y = band.y; y < band.y + band.height; y++) {
      for (let x = 0; x < width; x++) {
        const isWhite = data.readUInt32BE((y * width + x) * 4) === WHITE;
        if (isWhite) white++;
        if (isWhite !== inked.has(y * width + x)) misplaced++;
      }
    }
    expect(misplaced).toBe(0);
    // H, I, 4, 2 and ! ink 17 + 11 + 14 + 14 + 6 glyph pixels, each a 3x3 square at this size.
    expect(white).toBe(62 * 9);
  });

  it('differs in the caption band between a captioned prompt and an empty one', async () => {
    const [captioned] = await generate({ prompt: 'HELLO', params: { size: '128x128', seed: 3 } });
    const [empty] = await generate({ prompt: '', params: { size: '128x128', seed: 3 } });
    const band = layoutCaption('HELLO', 128, 128).band!;
    const a = await rgba(captioned!);
    const b = await rgba(empty!);
    const bandBytes = (img: { data: Buffer }) => img.data.subarray(band.y * 128 * 4);
    let whiteInEmpty = 0;
    for (let i = 0; i < bandBytes(b).length; i += 4) if (bandBytes(b).readUInt32BE(i) === WHITE) whiteInEmpty++;
    expect(bandBytes(a).equals(bandBytes(b))).toBe(false);
    expect(layoutCaption('', 128, 128)).toMatchObject({ lines: [], runs: [] });
    expect(layoutCaption('', 128, 128).band).toBeUndefined();
    expect(whiteInEmpty).toBeLessThan(band.height * 128 * 0.05);
  });

  it('wraps a long prompt onto two lines that end in an ellipsis', () => {
    const layout = layoutCaption('a very long prompt about a lighthouse on a rocky coast at night with stars and a full moon', 256, 256);
    expect(layout.lines).toHaveLength(2);
    expect(layout.lines[1]).toMatch(/\.\.\.$/);
    for (const line of layout.lines) expect(line.length * 6 * layout.scale - layout.scale).toBeLessThanOrEqual(256);
  });

  it('fits a caption on the smallest 16x16 picture', () => {
    const layout = layoutCaption('ok', 16, 16);
    expect(layout.lines).toEqual(['OK']);
    expect(layout.band!.y).toBeGreaterThanOrEqual(0);
    expect(Math.max(...layout.runs.map((r) => r.x + r.width))).toBeLessThanOrEqual(16);
  });

  it('spells accented letters as plain capitals', () => {
    expect(normalizeCaption('  Café   crème ')).toBe('CAFE CREME');
  });

  it('leaves out the characters of a Chinese prompt instead of drawing empty boxes', () => {
    expect(normalizeCaption('日本 🙂')).toBe('');
    expect(normalizeCaption('一只红色的狐狸 a red fox，在雪地里')).toBe('A RED FOX,');
    expect(normalizeCaption('a 红色 fox')).toBe('A FOX');
    expect(layoutCaption('一只红色的狐狸 a red fox', 256, 256)).toEqual(layoutCaption('a red fox', 256, 256));
    const chineseOnly = layoutCaption('一只红色的狐狸在雪地里', 128, 128);
    expect(chineseOnly).toMatchObject({ lines: [], runs: [] });
    expect(chineseOnly.band).toBeUndefined();
  });

  it('inks only the Latin letters of a mixed-script caption in the rendered picture', async () => {
    const prompt = '红狐 FOX 日本';
    const [bytes] = await generate({ prompt, params: { size: '512x512', seed: 11 } });
    const { data, width } = await rgba(bytes!);
    const layout = layoutCaption(prompt, 512, 512);
    expect(layout.lines).toEqual(['FOX']);
    const band = layout.band!;
    let white = 0;
    for (let y = band.y; y < band.y + band.height; y++) for (let x = 0; x < width; x++) if (data.readUInt32BE((y * width + x) * 4) === WHITE) white++;
    // Each glyph pixel of F, O and X is a 3x3 square at this size: nothing else in the band is inked.
    const glyphPixels = [...'FOX'].flatMap((ch) => glyphRows(ch).join('').match(/#/g) ?? []).length;
    expect(glyphPixels).toBe(43);
    expect(white).toBe(glyphPixels * 9);
  });
});
