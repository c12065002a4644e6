/**
 * A 5x7 bitmap font for captions. The machine running the gateway may have no fonts at all (SVG <text>
 * would then render nothing), and what fonts it has would make the bytes depend on the machine, so captions
 * are drawn from these bits as filled squares. Each glyph is 7 rows of 5 columns, top row first, '#' = ink.
 * Characters the font lacks (CJK, emoji, …) are left out of the caption: an empty box tells a reader nothing.
 */

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;

const FONT: Record<string, string> = {
  A: '.###. #...# #...# ##### #...# #...# #...#',
  B: '####. #...# #...# ####. #...# #...# ####.',
  C: '.###. #...# #.... #.... #.... #...# .###.',
  D: '####. #...# #...# #...# #...# #...# ####.',
  E: '##### #.... #.... ####. #.... #.... #####',
  F: '##### #.... #.... ####. #.... #.... #....',
  G: '.###. #...# #.... #.### #...# #...# .####',
  H: '#...# #...# #...# ##### #...# #...# #...#',
  I: '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  J: '..### ...#. ...#. ...#. ...#. #..#. .##..',
  K: '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
  L: '#.... #.... #.... #.... #.... #.... #####',
  M: '#...# ##.## #.#.# #.#.# #...# #...# #...#',
  N: '#...# #...# ##..# #.#.# #..## #...# #...#',
  O: '.###. #...# #...# #...# #...# #...# .###.',
  P: '####. #...# #...# ####. #.... #.... #....',
  Q: '.###. #...# #...# #...# #.#.# #..#. .##.#',
  R: '####. #...# #...# ####. #.#.. #..#. #...#',
  S: '.#### #.... #.... .###. ....# ....# ####.',
  T: '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  U: '#...# #...# #...# #...# #...# #...# .###.',
  V: '#...# #...# #...# #...# #...# .#.#. ..#..',
  W: '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
  X: '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
  Y: '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
  Z: '##### ....# ...#. ..#.. .#... #.... #####',
  '0': '.###. #...# #..## #.#.# ##..# #...# .###.',
  '1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  '2': '.###. #...# ....# ...#. ..#.. .#... #####',
  '3': '##### ...#. ..#.. ...#. ....# #...# .###.',
  '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  '5': '##### #.... ####. ....# ....# #...# .###.',
  '6': '..##. .#... #.... ####. #...# #...# .###.',
  '7': '##### ....# ...#. ..#.. .#... .#... .#...',
  '8': '.###. #...# #...# .###. #...# #...# .###.',
  '9': '.###. #...# #...# .#### ....# ...#. .##..',
  ' ': '..... ..... ..... ..... ..... ..... .....',
  '.': '..... ..... ..... ..... ..... .##.. .##..',
  ',': '..... ..... ..... ..... .##.. ..#.. .#...',
  ':': '..... .##.. .##.. ..... .##.. .##.. .....',
  ';': '..... .##.. .##.. ..... .##.. ..#.. .#...',
  '!': '..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..',
  '?': '.###. #...# ....# ...#. ..#.. ..... ..#..',
  "'": '..#.. ..#.. .#... ..... ..... ..... .....',
  '"': '.#.#. .#.#. ..... ..... ..... ..... .....',
  '-': '..... ..... ..... .###. ..... ..... .....',
  '+': '..... ..#.. ..#.. ##### ..#.. ..#.. .....',
  '=': '..... ..... ##### ..... ##### ..... .....',
  _: '..... ..... ..... ..... ..... ..... #####',
  '/': '....# ...#. ...#. ..#.. .#... .#... #....',
  '(': '...#. ..#.. .#... .#... .#... ..#.. ...#.',
  ')': '.#... ..#.. ...#. ...#. ...#. ..#.. .#...',
  '&': '.##.. #..#. #.#.. .#... #.#.# #..#. .##.#',
  '#': '.#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.',
  '%': '##..# ##..# ...#. ..#.. .#... #..## #..##',
  '*': '..... ..#.. #.#.# .###. #.#.# ..#.. .....',
  '@': '.###. #...# #.### #.#.# #.### #.... .####',
};

/** The characters the font draws. */
export const GLYPH_CHARS: ReadonlySet<string> = new Set(Object.keys(FONT));

/** Text made only of characters the font draws (what normalizeCaption returns), one UTF-16 unit each. */
export type CaptionText = string & { readonly __spelledBy: 'the 5x7 font' };

/** Rows of one glyph of a CaptionText, top first. */
export function glyphRows(ch: string): string[] {
  const glyph = FONT[ch];
  if (glyph === undefined) throw new Error(`the caption font has no glyph for ${JSON.stringify(ch)}: captions pass through normalizeCaption first`);
  return glyph.split(' ');
}

/**
 * Caption text the font can spell: accents stripped, capitals, characters the font lacks left out, then
 * whitespace collapsed (so a word written in another script leaves no gap behind).
 */
export function normalizeCaption(text: string): CaptionText {
  const plain = text.normalize('NFKD').replace(/\p{M}/gu, '').toUpperCase();
  const drawable = Array.from(plain, (ch) => (Object.hasOwn(FONT, ch) ? ch : /\s/.test(ch) ? ' ' : '')).join('');
  return drawable.replace(/ +/g, ' ').trim() as CaptionText;
}
