/**
 * A job made as n single-image upstream calls (Seedream without sequential generation, Stability AI) becomes
 * one result here: calls that failed count as failed images, so a partial answer is delivered and charged for
 * what it holds.
 */
import type { ImageResult, TokenUsage } from '../domain/job.js';

/** n single-image calls → one result; calls that failed count as failed images, the first failure is kept if all did. */
export function mergeResults(settled: PromiseSettledResult<ImageResult>[]): ImageResult {
  const done = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  if (done.length === 0) throw (settled.find((s) => s.status === 'rejected') as PromiseRejectedResult).reason;
  const sum = (pick: (u: TokenUsage) => number | undefined) => {
    const values = done.map((r) => (r.usage ? pick(r.usage) : undefined)).filter((v): v is number => v !== undefined);
    return values.length ? values.reduce((a, b) => a + b, 0) : undefined;
  };
  const ids = done.map((r) => r.upstreamRequestId).filter((id): id is string => id !== undefined);
  const anyUsage = done.some((r) => r.usage);
  return {
    images: done.flatMap((r) => r.images),
    failedCount: done.reduce((n, r) => n + r.failedCount, 0) + (settled.length - done.length),
    usage: anyUsage ? { outputImageTokens: sum((u) => u.outputImageTokens), totalTokens: sum((u) => u.totalTokens) } : undefined,
    upstreamRequestId: ids.length ? ids.join(',') : undefined,
    meta: done[0]!.meta,
  };
}
