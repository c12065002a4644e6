import { randomBytes } from 'node:crypto';

export type IdPrefix = 'img' | 'task' | 'req' | 'txn' | 'key' | 'acct' | 'hold' | 'chatcmpl' | 'whd';

/** Prefixed, url-safe, sortable-enough ids: `<prefix>_<time base36><random>`. */
export function newId(prefix: IdPrefix): string {
  const time = Date.now().toString(36).padStart(9, '0');
  return `${prefix}_${time}${randomBytes(10).toString('base64url')}`;
}
