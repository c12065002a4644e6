/**
 * Guessing passwords is slow and bounded (attempt-guard.ts): every sign-in attempt counts against its email
 * and its client address; only failures stay counted, and each is answered after a pause.
 */
import type { RateLimiter } from '../limits/index.js';
import { AttemptGuard, type AttemptBucket, type GuardedAttempt, hashedKey } from './attempt-guard.js';

export interface SignInLimits {
  perEmail: number;
  perIp: number;
  windowMs: number;
  /** Each failure is answered after this long, plus up to a tenth more at random. */
  failureDelayMs: number;
}

export const SIGN_IN_LIMITS: SignInLimits = { perEmail: 5, perIp: 20, windowMs: 15 * 60_000, failureDelayMs: 300 };

/** One sign-in attempt's claim on the buckets: closed by `succeeded` or `failed`. */
export type SignInAttempt = GuardedAttempt;

export class SignInGuard {
  private readonly guard: AttemptGuard;

  constructor(
    limiter: RateLimiter,
    private readonly limits: SignInLimits = SIGN_IN_LIMITS,
  ) {
    this.guard = new AttemptGuard(limiter, { ...limits, refusal: 'Too many failed sign-ins: wait before trying again.' });
  }

  /** Takes the attempt's units, or refuses with 429 and Retry-After when the email or the address is over its limit. */
  async admit(who: { email?: string; ip: string }): Promise<SignInAttempt> {
    const buckets: AttemptBucket[] = [{ key: `signin:ip:${who.ip}`, limit: this.limits.perIp }];
    // Emails are hashed: the limiter's keys (in Redis, say) should not be a list of who tried to sign in.
    if (who.email !== undefined) buckets.push({ key: `signin:email:${hashedKey(who.email)}`, limit: this.limits.perEmail });
    return this.guard.admit(buckets);
  }
}
