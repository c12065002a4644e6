/** CSV cells of the admin exports: whatever a note or name holds, a spreadsheet reads back the same cell. */
import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../src/server/csv.js';

describe('csv cells', () => {
  it('quotes a cell holding a comma, a quote, a line feed or a lone carriage return, doubling its quotes', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('one\ntwo')).toBe('"one\ntwo"');
    expect(csvCell('one\rtwo')).toBe('"one\rtwo"');
  });

  it('defuses text a spreadsheet would run as a formula, and leaves negative numbers alone', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    for (const lead of ['+', '-', '@', '\t']) expect(csvCell(`${lead}1+1`)).toBe(`'${lead}1+1`);
    expect(csvCell(-5)).toBe('-5');
  });

  it('writes plain text and numbers as they are, and null or a missing field as an empty cell', () => {
    expect(
      toCsv(['a', 'b', 'c'] as const, [
        { a: -5, b: null },
        { a: 'x', b: 0, c: 'y' },
      ]),
    ).toBe('a,b,c\n-5,,\nx,0,y\n');
  });
});
