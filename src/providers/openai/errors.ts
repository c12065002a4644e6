/**
 * OpenAI error bodies → GatewayError. Moderation is the client's concern (400 content_policy_violation);
 * any other 400 OpenAI returns means the gateway sent something its contract should have caught, so it is
 * reported as a 502 upstream_error with OpenAI's message (redacted) and param, not blamed on the client.
 */
import { GatewayError } from '../../core/errors.js';
import { errorForStatus, redact, type UpstreamResponse } from '../http.js';

interface OpenAIErrorBody {
  error?: { message?: string; type?: string; param?: string | null; code?: string | null };
}

const MODERATION_CODES = new Set(['moderation_blocked', 'content_policy_violation']);

export function toError(res: UpstreamResponse): GatewayError {
  let body: OpenAIErrorBody = {};
  try {
    body = res.json<OpenAIErrorBody>();
  } catch {
    /* a non-JSON error page: the status decides */
  }
  const e = body.error ?? {};
  const upstreamRequestId = res.header('x-request-id');
  if (res.status === 400 && (MODERATION_CODES.has(e.code ?? '') || e.type === 'image_generation_user_error')) {
    return new GatewayError('content_policy_violation', `The provider's safety system refused this request: ${redact(e.message ?? 'content policy')}. Nothing was charged.`, { upstreamRequestId });
  }
  const mapped = errorForStatus('OpenAI', res, e.message);
  return new GatewayError(mapped.code, mapped.message, {
    retryable: mapped.retryable,
    retryAfterMs: mapped.retryAfterMs,
    upstreamRequestId,
    param: res.status === 400 ? (e.param ?? null) : null,
  });
}
