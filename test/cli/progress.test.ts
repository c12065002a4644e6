/** The progress line of long commands: on a terminal only, rewritten in place, at most ten times a second. */
import { describe, expect, it } from 'vitest';
import { bytesText, progressLine } from '../../src/cli/progress.js';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, written, write: (s: string) => written.push(s) };
}

describe('progressLine', () => {
  it('writes nothing when stderr is not a terminal', () => {
    const s = stream(false);
    const p = progressLine('ledger export', s);
    p.update('1.0 MB received');
    p.done();
    expect(s.written).toEqual([]);
  });

  it('rewrites one line on a terminal, at most every 100 ms, and clears it when done', () => {
    const s = stream(true);
    let now = 1_000;
    const p = progressLine('ledger export', s, () => now);
    p.update('1 B received');
    now += 50;
    p.update('2 B received');
    now += 60;
    p.update('3 B received');
    p.done();
    expect(s.written).toEqual(['\r\x1b[2Kledger export: 1 B received', '\r\x1b[2Kledger export: 3 B received', '\r\x1b[2K']);
  });
});

describe('bytesText', () => {
  it('writes counts in B, KB and MB', () => {
    expect([bytesText(512), bytesText(3_500), bytesText(12 * 1024 * 1024)]).toEqual(['512 B', '3.4 KB', '12.0 MB']);
  });
});
