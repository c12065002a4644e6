import { randomBytes } from 'node:crypto';

export type IdPrefix = 'img' | 'task' | 'req' | 'txn' | 'key' | 'acct' | 'hold' | 'chatcmpl' | 'whd' | 'aud' | 'usr' | 'tpc' | 'tpb' | 'inv' | 'file';

// Random bytes are drawn 4 KB at a time: one getrandom call per ~400 ids instead of one per id (a request
// makes several).
const POOL_BYTES = 4096;
const RANDOM_BYTES = 10;
let pool = Buffer.alloc(0);
let used = 0;

function randomPart(): string {
  if (used + RANDOM_BYTES > pool.length) {
    pool = randomBytes(POOL_BYTES);
    used = 0;
  }
  used += RANDOM_BYTES;
  return pool.toString('base64url', used - RANDOM_BYTES, used);
}

/** Prefixed, url-safe, sortable-enough ids: `<prefix>_<time base36><random>`. */
export function newId(prefix: IdPrefix): string {
  const time = Date.now().toString(36).padStart(9, '0');
  return `${prefix}_${time}${randomPart()}`;
}
