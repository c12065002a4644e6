/**
 * Lua for RedisRateLimiter. Each script runs atomically inside Redis, so any number of gateway processes
 * sharing one Redis enforce one limit. Time comes from Redis (TIME), so their clocks need not agree.
 * The bucket formulas repeat gcra.ts operation for operation (same IEEE doubles, same order) so that both
 * limiters decide identically; change them together.
 */

/** `now` in whole ms, like Date.now(). */
const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Bucket hash {at, used, limit}; see gcra.ts usedAt / drainMs, and MemoryRateLimiter.store. */
const BUCKET = `local function usedAt(b, limit, window)
  if not b[1] then return 0 end
  return math.max(0, tonumber(b[2]) - (math.max(0, now - tonumber(b[1])) * limit) / window)
end
local function drainMs(used, limit, window)
  return math.max(0, math.ceil(used * (window / limit) - 1e-6))
end
local function store(used, limit, window)
  if used <= 0 then redis.call('DEL', KEYS[1]) return end
  -- %.17g round-trips a double exactly; tostring would keep only 14 digits.
  redis.call('HSET', KEYS[1], 'at', now, 'used', string.format('%.17g', used), 'limit', string.format('%.17g', limit))
  redis.call('PEXPIRE', KEYS[1], drainMs(used, limit, window) + 1)
end`;

/** KEYS[1] bucket; ARGV limit, windowMs, cost → {allowed 0|1, remaining, resetMs, retryAfterMs}. See gcra.ts admit. */
export const CONSUME = `${NOW}
${BUCKET}
local limit = tonumber(ARGV[1]) local window = tonumber(ARGV[2]) local cost = tonumber(ARGV[3])
local EPSILON = 1e-9
local used = usedAt(redis.call('HMGET', KEYS[1], 'at', 'used'), limit, window)
local after = used + cost
local allowed = after <= limit + EPSILON * limit
if allowed then
  used = after
  store(used, limit, window)
end
local retry = 0
if not allowed then retry = math.max(1, drainMs(after - limit, limit, window)) end
return {allowed and 1 or 0, math.max(0, math.floor(limit - used + EPSILON * limit)), drainMs(used, limit, window), retry}`;

/** KEYS[1] bucket; ARGV windowMs, cost. Drains at the limit recorded by the last admitted consume. */
export const REFUND = `${NOW}
${BUCKET}
local b = redis.call('HMGET', KEYS[1], 'at', 'used', 'limit')
if not b[1] then return 0 end
local limit = tonumber(b[3]) local window = tonumber(ARGV[1])
store(math.max(0, usedAt(b, limit, window) - tonumber(ARGV[2])), limit, window)
return 1`;

/**
 * KEYS[1] lease zset (member lease id, score expiry ms); ARGV max, leaseMs, id → {allowed 0|1, active}.
 * Expired leases (holders that died) are pruned in the same atomic step that counts the live ones.
 */
export const ACQUIRE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local active = redis.call('ZCARD', KEYS[1])
if active >= tonumber(ARGV[1]) then return {0, active} end
local leaseMs = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + leaseMs, ARGV[3])
-- Only ever lengthen the set's TTL: a short lease must not expire a longer one held beside it.
if redis.call('PTTL', KEYS[1]) < leaseMs then redis.call('PEXPIRE', KEYS[1], leaseMs) end
return {1, active + 1}`;
