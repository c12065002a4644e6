/**
 * The playground's own key: a short-lived client key of the member's account, made through the member API
 * and kept in this module's memory only (never storage), so a reload or sign-out leaves nothing behind and
 * the key dies by itself within the hour.
 */
import { sendJson } from '../../api/client.js';
import type { CreatedKey } from '../../api/types.js';

const LIFETIME_S = 3600;
/** A key this close to its expiry is replaced rather than used for one more run. */
const MARGIN_S = 120;

export interface PlaygroundKey {
  secret: string;
  /** Unix seconds. */
  expiresAt: number;
  /** Made by the playground (else pasted by the person). */
  own: boolean;
  /** The models the key may use (the account's key policy decides), or null for any; unknown for a pasted key. */
  models: string[] | null;
}

let current: PlaygroundKey | undefined;
let pending: Promise<PlaygroundKey> | undefined;

const now = () => Math.floor(Date.now() / 1000);

/** The key to call the API with: the one held, or a new one when there is none or it is about to expire. */
export function playgroundKey(): Promise<PlaygroundKey> {
  if (current && current.expiresAt - MARGIN_S > now()) return Promise.resolve(current);
  pending ??= sendJson<CreatedKey>('POST', '/v1/console/account/keys', { name: 'Playground', expires_at: now() + LIFETIME_S })
    .then((k) => {
      current = { secret: k.key, expiresAt: k.expires_at ?? now() + LIFETIME_S, own: true, models: k.models };
      return current;
    })
    .finally(() => {
      pending = undefined;
    });
  return pending;
}

/** A key the person pasted (an operator, who has no account of their own): used as given until replaced. */
export function setPastedKey(secret: string): PlaygroundKey {
  current = { secret, expiresAt: Number.MAX_SAFE_INTEGER, own: false, models: null };
  return current;
}
