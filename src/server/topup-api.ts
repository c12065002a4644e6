/**
 * Top-up codes' API: the request schemas the server validates with and the shapes it answers with, for the
 * console to import. Money is integer micro-units; times are unix seconds.
 */
import { z } from 'zod';

export const TOPUP_CODE_STATES = ['unused', 'redeemed', 'voided', 'expired'] as const;
export type TopupCodeStateName = (typeof TOPUP_CODE_STATES)[number];

/** Most codes one batch makes: a batch is one transaction and, as CSV, one download. */
export const MAX_BATCH_CODES = 1000;

/** `POST /v1/admin/topup-codes` (`?format=csv` answers the batch as a CSV download). */
export const CreateTopupBatchSchema = z
  .object({
    // A whole batch's face value stays an exact integer, as all money does here.
    amount: z
      .number()
      .int()
      .positive()
      .max(Math.floor(Number.MAX_SAFE_INTEGER / MAX_BATCH_CODES)),
    count: z.number().int().min(1).max(MAX_BATCH_CODES),
    expires_at: z.number().int().positive().nullable().optional().describe('unix seconds'),
    note: z.string().trim().max(500).nullable().optional(),
  })
  .strict();
export type CreateTopupBatchBody = z.input<typeof CreateTopupBatchSchema>;

/** `POST /v1/admin/topup-codes/void`: voids the batch's codes that are still unused. */
export const VoidTopupBatchSchema = z.object({ batch_id: z.string().min(1).max(100) }).strict();
export type VoidTopupBatchBody = z.input<typeof VoidTopupBatchSchema>;

/** `POST /v1/console/account/redeem`. */
export const RedeemSchema = z.object({ code: z.string().min(1).max(100) }).strict();
export type RedeemBody = z.input<typeof RedeemSchema>;

/** A batch as it is made: the only answer that holds the codes' text. */
export interface TopupBatchView {
  object: 'topup_code_batch';
  batch_id: string;
  amount: number;
  count: number;
  expires_at: number | null;
  note: string | null;
  created: number;
  codes: Array<{ id: string; code: string }>;
}

/** A code in the admin list: never its text. */
export interface TopupCodeView {
  id: string;
  object: 'topup_code';
  /** The code's first group (`IG-7K3M`). */
  prefix: string;
  batch_id: string;
  amount: number;
  state: TopupCodeStateName;
  expires_at: number | null;
  note: string | null;
  created: number;
  redeemed_at: number | null;
  redeemed_account_id: string | null;
  redeemed_user_id: string | null;
}

/** `POST /v1/admin/topup-codes/void`. */
export interface TopupBatchVoidView {
  object: 'topup_code_batch.void';
  batch_id: string;
  /** The codes this call voided (redeemed ones, and ones voided before, are left as they were). */
  voided: number;
}

/** `POST /v1/console/account/redeem`. */
export interface TopupRedemptionView {
  object: 'topup_redemption';
  code_id: string;
  amount: number;
  /** The account's available balance after the credit. */
  balance: number;
  currency: string;
  unit: 'micro';
}
