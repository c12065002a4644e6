/**
 * Gemini makes one image per call, so n images are n calls; this folds their outcomes into one ImageResult.
 * Some calls failing is a partial success (failedCount); all failing throws the first call's error.
 */
import { toGatewayError } from '../../domain/errors.js';
import type { ImageResult, TokenUsage } from '../../domain/job.js';
import type { GeminiReply } from './response.js';

const USAGE_FIELDS = ['inputTextTokens', 'inputImageTokens', 'outputImageTokens', 'outputTextTokens', 'totalTokens'] as const;

function sumUsage(usages: Array<TokenUsage | undefined>): TokenUsage | undefined {
  const present = usages.filter((u): u is TokenUsage => u !== undefined);
  if (present.length === 0) return undefined;
  const total: TokenUsage = {};
  for (const field of USAGE_FIELDS) {
    const values = present.map((u) => u[field]).filter((v): v is number => v !== undefined);
    if (values.length) total[field] = values.reduce((a, b) => a + b, 0);
  }
  return total;
}

export function mergeReplies(outcomes: ReadonlyArray<PromiseSettledResult<GeminiReply>>): ImageResult {
  const replies = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  if (replies.length === 0) {
    const first = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    throw toGatewayError(first?.reason);
  }
  const text =
    replies
      .map((r) => r.text)
      .filter(Boolean)
      .join('\n\n') || undefined;
  return {
    images: replies.flatMap((r) => r.images),
    failedCount: outcomes.length - replies.length,
    usage: sumUsage(replies.map((r) => r.usage)),
    upstreamRequestId: replies.find((r) => r.responseId)?.responseId,
    ...(text ? { text } : {}),
    meta: replies[0]!.images[0]?.size ? { size: replies[0]!.images[0].size } : undefined,
  };
}
