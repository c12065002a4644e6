import { describe, expect, it } from 'vitest';
import { rateLimitHeaders } from '../../src/limits/headers.js';

describe('rateLimitHeaders', () => {
  it('reports limit, remaining and whole seconds to reset, without retry-after, when allowed', () => {
    expect(rateLimitHeaders({ allowed: true, limit: 60, remaining: 59, resetMs: 1_000, retryAfterMs: 0 })).toEqual({
      'x-ratelimit-limit': '60',
      'x-ratelimit-remaining': '59',
      'x-ratelimit-reset': '1',
    });
  });

  it('rounds reset up to whole seconds and never reports less than 1', () => {
    expect(rateLimitHeaders({ allowed: true, limit: 4, remaining: 0, resetMs: 59_001, retryAfterMs: 0 })['x-ratelimit-reset']).toBe('60');
    expect(rateLimitHeaders({ allowed: true, limit: 4, remaining: 4, resetMs: 0, retryAfterMs: 0 })['x-ratelimit-reset']).toBe('1');
  });

  it('adds retry-after in whole seconds, at least 1, when denied', () => {
    expect(rateLimitHeaders({ allowed: false, limit: 4, remaining: 0, resetMs: 60_000, retryAfterMs: 15_000 })).toEqual({
      'x-ratelimit-limit': '4',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': '60',
      'retry-after': '15',
    });
    expect(rateLimitHeaders({ allowed: false, limit: 4, remaining: 0, resetMs: 300, retryAfterMs: 1 })['retry-after']).toBe('1');
    expect(rateLimitHeaders({ allowed: false, limit: 4, remaining: 0, resetMs: 3_000, retryAfterMs: 2_001 })['retry-after']).toBe('3');
  });
});
