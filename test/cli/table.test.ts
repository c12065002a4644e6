/** Terminal tables: fitted to the width by cutting the columns that may be cut, evenly, never the ids. */
import { describe, expect, it } from 'vitest';
import { type Column, outputWidth, renderFields, renderTable } from '../../src/cli/table.js';

interface Row {
  id: string;
  name: string;
  note: string;
  amount: string;
}
const columns: Column<Row>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'name', value: (r) => r.name, shrink: true },
  { header: 'note', value: (r) => r.note, shrink: true },
  { header: 'amount', value: (r) => r.amount, align: 'right' },
];
const id = 'acct_0mxd44wv9NAlr1YAR7GRcsg';

describe('renderTable', () => {
  it('cuts the widest columns that may be cut until the table fits, and never an id', () => {
    const rows = [{ id, name: 'n'.repeat(80), note: 'o'.repeat(60), amount: '1,234.50 USD' }];
    const lines = renderTable(rows, columns, 100).split('\n');
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(100);
    expect(lines[1]).toContain(id);
    expect(lines[1]).toMatch(/n+… +o+… +1,234\.50 USD$/);
    // The cuts are shared: both long columns end up within a character of each other.
    const [name, note] = lines[1]!.split(/ {2,}/).slice(1, 3);
    expect(Math.abs(name!.length - note!.length)).toBeLessThanOrEqual(1);
  });

  it('leaves a table that fits as it is, numbers aligned right, line breaks in text flattened', () => {
    const out = renderTable(
      [
        { id: 'a', name: 'one\ntwo', note: '', amount: '1.00 USD' },
        { id: 'b', name: 'x', note: 'y', amount: '10.00 USD' },
      ],
      columns,
      100,
    );
    expect(out).toBe(['id  name     note     amount', 'a   one two         1.00 USD', 'b   x        y     10.00 USD'].join('\n'));
  });

  it('says (none) for no rows', () => {
    expect(renderTable([], columns, 100)).toBe('(none)');
  });
});

describe('renderFields', () => {
  it('aligns values after their labels and leaves out absent ones', () => {
    expect(
      renderFields([
        ['id', 'k'],
        ['expires_at', undefined],
        ['spend_cap_day', '2.50 USD'],
      ]),
    ).toBe('id:            k\nspend_cap_day: 2.50 USD');
  });
});

describe('outputWidth', () => {
  it("is the terminal's width on a terminal and 100 columns when piped", () => {
    expect(outputWidth({ isTTY: true, columns: 140 })).toBe(140);
    expect(outputWidth({ isTTY: false, columns: 140 })).toBe(100);
    expect(outputWidth({})).toBe(100);
  });
});
