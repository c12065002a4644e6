/** Console password hashes: scrypt with the parameters stored beside each hash, so they can be raised later. */
import { describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, verifyPassword } from '../../src/store/password-hash.js';

describe('password hashes', () => {
  it('stores the scrypt parameters and a per-password salt with the hash', async () => {
    const a = await hashPassword('the same password');
    const b = await hashPassword('the same password');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('the same password');
  });

  it('verifies the right password and refuses a wrong one or a malformed hash', async () => {
    const h = await hashPassword('right password');
    expect(await verifyPassword('right password', h)).toBe(true);
    expect(await verifyPassword('wrong password', h)).toBe(false);
    expect(await verifyPassword('right password', h.replace(/\$[^$]+$/, '$AAAA'))).toBe(false);
    expect(await verifyPassword('right password', 'plain text')).toBe(false);
  });

  it('still verifies a hash made with older parameters, and says it needs rehashing', async () => {
    const old = await hashPassword('kept password', { N: 2 ** 10, r: 8, p: 1 });
    expect(old.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await verifyPassword('kept password', old)).toBe(true);
    expect(needsRehash(old)).toBe(true);
    expect(needsRehash(await hashPassword('kept password'))).toBe(false);
  });
});
