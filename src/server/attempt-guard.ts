/**
 * Guessing is slow and bounded: an attempt at a secret (a password, a top-up code) takes a unit from each of
 * its buckets (the email, the account, the client address) in the gateway's rate limiter, shared through
 * Redis across instances. A success gives the units back, so only failures count; a failure is answered
 * only after a pause. Over any bucket's limit the attempt is refused with 429 before the secret is checked.
 */
import { createHash } from 'node:crypto';
import { GatewayError } from '../domain/errors.js';
import type { RateLimiter } from '../limits/index.js';

/** One limit an attempt counts against: `limit` failures per window under `key`. */
export interface AttemptBucket {
  key: string;
  limit: number;
}

export interface AttemptPolicy {
  windowMs: number;
  /** Each failure is answered after this long, plus up to a tenth more at random. */
  failureDelayMs: number;
  /** The 429's message: what was tried too often. */
  refusal: string;
}

/** One attempt's claim on its buckets: closed by `succeeded` or `failed`. */
export interface GuardedAttempt {
  succeeded(): Promise<void>;
  failed(): Promise<void>;
}

/** A bucket key for a value that should not sit readable in the limiter's store (an email, say). */
export const hashedKey = (value: string) => createHash('sha256').update(value).digest('hex');

export class AttemptGuard {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly policy: AttemptPolicy,
  ) {}

  /** Takes the attempt's units, or refuses with 429 and Retry-After when any bucket is over its limit. */
  async admit(buckets: readonly AttemptBucket[]): Promise<GuardedAttempt> {
    const { windowMs, failureDelayMs, refusal } = this.policy;
    const taken: string[] = [];
    for (const b of buckets) {
      const d = await this.limiter.consume(b.key, b.limit, windowMs);
      if (!d.allowed) {
        for (const key of taken) await this.limiter.refund(key, windowMs, 1);
        throw new GatewayError('rate_limit_exceeded', refusal, { retryAfterMs: d.retryAfterMs });
      }
      taken.push(b.key);
    }
    return {
      succeeded: async () => {
        for (const key of taken) await this.limiter.refund(key, windowMs, 1);
      },
      failed: () => new Promise((resolve) => setTimeout(resolve, failureDelayMs * (1 + Math.random() / 10))),
    };
  }
}
