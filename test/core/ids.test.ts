import { describe, expect, it } from 'vitest';
import { newId } from '../../src/domain/ids.js';

describe('newId', () => {
  it('is prefixed, url-safe and never repeats across many pool refills', () => {
    const ids = Array.from({ length: 5000 }, () => newId('txn'));
    for (const id of ids) expect(id).toMatch(/^txn_[0-9a-z]{9}[A-Za-z0-9_-]{14}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('sorts by creation time', async () => {
    const a = newId('req');
    await new Promise((r) => setTimeout(r, 5));
    expect(newId('req') > a).toBe(true);
  });
});
