/**
 * Guessing top-up codes is slow and bounded (attempt-guard.ts): every redemption counts against the member's
 * account and the client address; only refusals stay counted, and each is answered after a pause. With the
 * default limits an attacker tries some 30 codes per address per quarter hour against 2^80 possible ones.
 */
import type { RateLimiter } from '../limits/index.js';
import { AttemptGuard, type GuardedAttempt } from './attempt-guard.js';

export interface RedeemLimits {
  /** Refused redemptions per account per window. */
  perAccount: number;
  /** Refused redemptions per client address per window. */
  perIp: number;
}

const WINDOW_MS = 15 * 60_000;
const FAILURE_DELAY_MS = 300;

export class RedeemGuard {
  private readonly guard: AttemptGuard;

  constructor(
    limiter: RateLimiter,
    private readonly limits: RedeemLimits,
  ) {
    this.guard = new AttemptGuard(limiter, {
      windowMs: WINDOW_MS,
      failureDelayMs: FAILURE_DELAY_MS,
      refusal: 'Too many top-up codes were refused: wait before trying again.',
    });
  }

  admit(who: { accountId: string; ip: string }): Promise<GuardedAttempt> {
    return this.guard.admit([
      { key: `redeem:account:${who.accountId}`, limit: this.limits.perAccount },
      { key: `redeem:ip:${who.ip}`, limit: this.limits.perIp },
    ]);
  }
}
