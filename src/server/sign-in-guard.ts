/**
 * Guessing passwords is slow and bounded: every sign-in attempt takes a unit from its email's bucket and its
 * client address's bucket in the gateway's rate limiter (shared through Redis across instances), a success
 * gives them back, so only failures count; a failure is answered only after a pause. Over either limit the
 * attempt is refused with 429 before any password is checked.
 */
import { createHash } from 'node:crypto';
import { GatewayError } from '../domain/errors.js';
import type { RateLimiter } from '../limits/index.js';

export interface SignInLimits {
  perEmail: number;
  perIp: number;
  windowMs: number;
  /** Each failure is answered after this long, plus up to a tenth more at random. */
  failureDelayMs: number;
}

export const SIGN_IN_LIMITS: SignInLimits = { perEmail: 5, perIp: 20, windowMs: 15 * 60_000, failureDelayMs: 300 };

/** One sign-in attempt's claim on the buckets: closed by `succeeded` or `failed`. */
export interface SignInAttempt {
  succeeded(): Promise<void>;
  failed(): Promise<void>;
}

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
  constructor(
    private readonly limiter: RateLimiter,
    private readonly limits: SignInLimits = SIGN_IN_LIMITS,
    private readonly action: GuardedAction = 'signin',
  ) {}

  /** Takes the attempt's units, or refuses with 429 and Retry-After when the email or the address is over its limit. */
  async admit(who: { email?: string; ip: string }): Promise<SignInAttempt> {
    const { windowMs } = this.limits;
    // Emails are hashed: the limiter's keys (in Redis, say) should not be a list of who tried to sign in.
    const buckets = [{ key: `${this.action}:ip:${who.ip}`, limit: this.limits.perIp }];
    if (who.email !== undefined)
      buckets.push({ key: `${this.action}:email:${createHash('sha256').update(who.email).digest('hex')}`, limit: this.limits.perEmail });
    const taken: string[] = [];
    for (const b of buckets) {
      const d = await this.limiter.consume(b.key, b.limit, windowMs);
      if (!d.allowed) {
        for (const key of taken) await this.limiter.refund(key, windowMs, 1);
        throw new GatewayError('rate_limit_exceeded', REFUSAL[this.action], { retryAfterMs: d.retryAfterMs });
      }
      taken.push(b.key);
    }
    return {
      succeeded: async () => {
        for (const key of taken) await this.limiter.refund(key, windowMs, 1);
      },
      failed: () => new Promise((resolve) => setTimeout(resolve, this.limits.failureDelayMs * (1 + Math.random() / 10))),
    };
  }
}
