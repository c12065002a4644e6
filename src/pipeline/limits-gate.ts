/**
 * Per-key limits applied by the pipeline: requests per minute and concurrency at admission, images per
 * minute once n is known. A refusal is a 429 with Retry-After and x-ratelimit-* headers.
 */
import { type LimitDecision, type RateLimiter, rateLimitHeaders } from '../limits/index.js';
import { GatewayError, invalidRequest } from '../domain/errors.js';
import type { Principal } from '../domain/principal.js';

const MINUTE = 60_000;
/** A concurrency slot outlives a crashed holder by at most this long. */
const LEASE_MS = 15 * MINUTE;

export interface Admission {
  release: () => Promise<void>;
  /** x-ratelimit-* headers of the tightest limit checked, for the response. */
  headers: Record<string, string>;
}

export interface LimitsGate {
  admitRequest(principal: Principal): Promise<Admission>;
  admitImages(principal: Principal, n: number): Promise<Record<string, string>>;
  /** Give back images admitted for a request refused before any upstream call (e.g. 402). */
  returnImages(principal: Principal, n: number): Promise<void>;
}

function refuse(what: string, d: LimitDecision): GatewayError {
  return new GatewayError('rate_limit_exceeded', `Rate limit exceeded: ${what}. Retry after ${Math.max(1, Math.ceil(d.retryAfterMs / 1000))} s.`, {
    headers: rateLimitHeaders(d),
    retryAfterMs: d.retryAfterMs,
  });
}

export function createLimitsGate(limiter: RateLimiter): LimitsGate {
  return {
    async admitRequest(p) {
      const k = p.key;
      let headers: Record<string, string> = {};
      if (k.rpm) {
        const d = await limiter.consume(`rpm:${k.id}`, k.rpm, MINUTE, 1);
        if (!d.allowed) throw refuse(`${k.rpm} requests per minute for this key`, d);
        headers = rateLimitHeaders(d);
      }
      if (!k.maxConcurrency) return { release: async () => undefined, headers };
      const slot = await limiter.acquire(`conc:${k.id}`, k.maxConcurrency, LEASE_MS);
      if (!slot.allowed) {
        throw new GatewayError(
          'rate_limit_exceeded',
          `Rate limit exceeded: at most ${k.maxConcurrency} concurrent requests for this key. Retry when one finishes.`,
          {
            headers: { 'retry-after': '1', 'x-ratelimit-limit-concurrency': String(k.maxConcurrency) },
            retryAfterMs: 1000,
          },
        );
      }
      let released = false;
      return {
        headers,
        release: async () => {
          if (released) return;
          released = true;
          await slot.release();
        },
      };
    },

    async admitImages(p, n) {
      const k = p.key;
      if (!k.ipm) return {};
      if (n > k.ipm) throw invalidRequest('n', `n is ${n}, but this key may create at most ${k.ipm} images per minute.`);
      const d = await limiter.consume(`ipm:${k.id}`, k.ipm, MINUTE, n);
      if (!d.allowed) throw refuse(`${k.ipm} images per minute for this key (this request asks for ${n})`, d);
      return Object.fromEntries(Object.entries(rateLimitHeaders(d)).map(([h, v]) => [h.replace('x-ratelimit-', 'x-ratelimit-images-'), v]));
    },

    async returnImages(p, n) {
      if (p.key.ipm) await limiter.refund(`ipm:${p.key.id}`, MINUTE, n);
    },
  };
}
