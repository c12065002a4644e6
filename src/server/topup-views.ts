/** Top-up codes as the API shows them (topup-api.ts defines the shapes). */
import { type TopupCodeRow, topupCodeState } from '../store/topup-codes.js';
import type { TopupCodeView } from './topup-api.js';

const seconds = (ms: number) => Math.floor(ms / 1000);
const secondsOrNull = (ms: number | null) => (ms === null ? null : seconds(ms));

export function topupCodeView(r: TopupCodeRow, now = Date.now()): TopupCodeView {
  return {
    id: r.id,
    object: 'topup_code',
    prefix: r.prefix,
    batch_id: r.batch_id,
    amount: r.amount,
    state: topupCodeState(r, now),
    expires_at: secondsOrNull(r.expires_at),
    note: r.note,
    created: seconds(r.created_at),
    redeemed_at: secondsOrNull(r.redeemed_at),
    redeemed_account_id: r.redeemed_account_id,
    redeemed_user_id: r.redeemed_user_id,
  };
}

/** The CSV columns of the code list: the view's fields, so the CSV and the JSON say the same. */
export const TOPUP_CODE_COLUMNS = [
  'id',
  'prefix',
  'batch_id',
  'amount',
  'state',
  'expires_at',
  'note',
  'created',
  'redeemed_at',
  'redeemed_account_id',
  'redeemed_user_id',
] as const satisfies ReadonlyArray<keyof TopupCodeView>;

/** The CSV columns of a batch just made: the one export that holds the codes' text. */
export const TOPUP_BATCH_COLUMNS = ['id', 'code', 'batch_id', 'amount', 'expires_at', 'note'] as const;
