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

/**
 * What the buckets count: sign-in attempts (a success gives its units back), or sign-ups (each one keeps its
 * units, since every success makes an account). Each has buckets of its own.
 */
export type GuardedAction = 'signin' | 'signup';

const REFUSAL: Record<GuardedAction, string> = {
  signin: 'Too many failed sign-ins: wait before trying again.',
  signup: 'Too many sign-ups from here or for this email: wait before trying again.',
};

export class SignInGuard {
  private readonly guard: AttemptGuard;

  constructor(
    limiter: RateLimiter,
    private readonly limits: SignInLimits = SIGN_IN_LIMITS,
    private readonly action: GuardedAction = 'signin',
  ) {
    this.guard = new AttemptGuard(limiter, { ...limits, refusal: REFUSAL[action] });
  }

  /** Takes the attempt's units, or refuses with 429 and Retry-After when the email or the address is over its limit. */
  async admit(who: { email?: string; ip: string }): Promise<SignInAttempt> {
    const buckets: AttemptBucket[] = [{ key: `${this.action}:ip:${who.ip}`, limit: this.limits.perIp }];
    // Emails are hashed: the limiter's keys (in Redis, say) should not be a list of who tried to sign in.
    if (who.email !== undefined) buckets.push({ key: `${this.action}:email:${hashedKey(who.email)}`, limit: this.limits.perEmail });
    return this.guard.admit(buckets);
  }
}
