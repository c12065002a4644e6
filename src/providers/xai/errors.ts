/**
 * xAI failures → GatewayError. xAI's REST errors are `{"code": "<gRPC status text>", "error": "<message>"}`
 * (e.g. code "Client specified an invalid argument", error "Argument not supported: size"); an OpenAI-style
 * `{"error": {"message", "code"}}` body is read too, since xAI documents its API as OpenAI-compatible.
 *
 * - A refusal by xAI's moderation (a message about content moderation or policy) → 400
 *   content_policy_violation, not retryable.
 * - A bad key (xAI answers it with 400 "Incorrect API key provided", or 401/403), and a 429 that says the
 *   team's credits or spending limit are used up → operator faults: 502 retryable, so another route may serve
 *   the request.
 * - 400 "Argument not supported" / unknown field: the contract should have refused it first, so it is a
 *   gateway or catalog fault: 502, not retryable.
 * - Anything else by status (errorForStatus). The key is never quoted (redact()).
 */
import { GatewayError } from '../../domain/errors.js';
import { errorForStatus, type UpstreamResponse } from '../http.js';
import { redact } from '../redact.js';
import { XAI } from './mapping.js';

interface XaiErrorBody {
  code?: unknown;
  error?: unknown;
}

/** The message of an error body in either shape, or undefined for a body that is not one. */
function messageOf(res: UpstreamResponse): string | undefined {
  let body: XaiErrorBody;
  try {
    body = res.json<XaiErrorBody>();
  } catch {
    return undefined;
  }
  if (!body || typeof body !== 'object') return undefined;
  if (typeof body.error === 'string') return body.error;
  const nested = body.error as { message?: unknown } | undefined;
  if (nested && typeof nested === 'object' && typeof nested.message === 'string') return nested.message;
  return typeof body.code === 'string' ? body.code : undefined;
}

const MODERATION = /content moderation|content policy|violat|unsafe|not allowed to generate/i;
const OUT_OF_CREDITS = /credits|spending limit|billing/i;
const BAD_KEY = /incorrect api key|invalid api key|no api key/i;
const UNSUPPORTED_FIELD = /argument not supported|unknown (field|parameter|argument)/i;

export function contentPolicyError(message: string, upstreamRequestId: string | undefined): GatewayError {
  return new GatewayError('content_policy_violation', `${XAI}'s moderation refused this request: ${message} Nothing was charged; change the prompt.`, {
    upstreamRequestId,
  });
}

export function toError(res: UpstreamResponse): GatewayError {
  const upstreamRequestId = res.header('x-request-id');
  const raw = messageOf(res);
  const message = redact(raw ?? `HTTP ${res.status}`);
  if (raw && res.status < 500 && MODERATION.test(raw)) return contentPolicyError(message, upstreamRequestId);
  if (raw && res.status === 400 && BAD_KEY.test(raw)) {
    return new GatewayError('upstream_error', `${XAI} rejected the gateway's credentials; the operator must fix XAI_API_KEY.`, {
      retryable: true,
      upstreamRequestId,
    });
  }
  if (raw && (res.status === 429 || res.status === 402 || res.status === 403) && OUT_OF_CREDITS.test(raw)) {
    return new GatewayError(
      'upstream_error',
      `${XAI} refused the gateway's account: ${message} The operator must add credits or raise the team's spending limit.`,
      { retryable: true, upstreamRequestId },
    );
  }
  if (raw && res.status === 400 && UNSUPPORTED_FIELD.test(raw)) {
    return new GatewayError(
      'upstream_error',
      `${XAI} rejected a field the gateway sent: ${message} This is a gateway or catalog fault, not your request; report it with the request id.`,
      { upstreamRequestId },
    );
  }
  return errorForStatus(XAI, res, raw);
}
