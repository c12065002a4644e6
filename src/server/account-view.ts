/** An account as the admin API and its member see it: balance, money held by requests in flight, key policy. */
import type { Standing } from '../billing/accounts.js';
import type { KeyPolicy } from '../domain/key-policy.js';

export interface AccountView {
  id: string;
  object: 'account';
  name: string;
  balance: number;
  held: number;
  open_holds: number;
  currency: string;
  unit: 'micro';
  key_policy: KeyPolicy;
  created: number;
}

export function accountView({ account: a, held }: Standing, currency: string): AccountView {
  return {
    id: a.id,
    object: 'account',
    name: a.name,
    balance: a.balance,
    held: held.amount,
    open_holds: held.count,
    currency,
    unit: 'micro',
    key_policy: a.keyPolicy,
    created: Math.floor(a.createdAt / 1000),
  };
}
