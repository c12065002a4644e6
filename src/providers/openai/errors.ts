/**
 * OpenAI failures → GatewayError. Error bodies are `{"error": {message, type, param, code}}`.
 *
 * How an HTTP 400 is judged (the gateway's contract check and validate() run first, so a 400 here is one
 * they did not anticipate):
 * - `moderation_blocked` / `content_policy_violation`: the safety system refused the prompt or image. The
 *   client must change it: 400 content_policy_violation, not retryable.
 * - type `invalid_request_error` naming a param the client chose (prompt, image, mask, size, …): OpenAI says
 *   which of the caller's inputs it refuses (an image it cannot decode, a prompt too long in tokens, …). Every
 *   OpenAI route would refuse it the same way and only the caller can fix it, so it is a 400 invalid_request
 *   with that param under its public name and OpenAI's (redacted) message.
 * - anything else (no param, a field the gateway itself sets such as model or response_format, an unknown
 *   parameter): the caller cannot fix it, so it is a 502 upstream_error keeping OpenAI's message (redacted)
 *   and param, not retryable (the same request would fail again).
 * Credential, quota and billing faults belong to the operator: 502, retryable so a route with other
 * credentials may serve the request. The API key never appears in a message.
 */
import { GatewayError } from '../../domain/errors.js';
import { errorForStatus, type UpstreamResponse } from '../http.js';
import { redact } from '../redact.js';
import { WHO } from './mapping.js';

interface OpenAIErrorBody {
  error?: { message?: string; type?: string; param?: string | null; code?: string | null };
}

type Verdict = 'content_policy' | 'operator' | 'gateway';

/** OpenAI error codes whose meaning the HTTP status does not carry. */
const CODE_VERDICTS: Readonly<Record<string, Verdict>> = {
  moderation_blocked: 'content_policy', // GPT image models (type image_generation_user_error)
  content_policy_violation: 'content_policy', // DALL·E
  insufficient_quota: 'operator', // arrives as 429, but no amount of waiting fixes an empty account
  billing_hard_limit_reached: 'operator',
  model_not_found: 'operator', // the route's upstream_model is wrong or the account may not use it
  unknown_parameter: 'gateway',
};

/** OpenAI field names the client chose → their public names. */
const CLIENT_PARAMS: Readonly<Record<string, string>> = {
  prompt: 'prompt',
  image: 'image',
  'image[]': 'image',
  mask: 'mask',
  n: 'n',
  size: 'size',
  quality: 'quality',
  background: 'background',
  moderation: 'moderation',
  output_format: 'output_format',
  output_compression: 'output_compression',
  style: 'style',
  input_fidelity: 'input_fidelity',
  user: 'user',
};

export function noImageError(upstreamRequestId: string | undefined, who = WHO): GatewayError {
  return new GatewayError('no_image_generated', `${who} returned no image. Nothing was charged; try again or rephrase the prompt.`, { upstreamRequestId });
}

export function malformedReplyError(what: string, upstreamRequestId: string | undefined, who = WHO): GatewayError {
  return new GatewayError('upstream_error', `${who} returned a malformed response: ${what}.`, { retryable: true, upstreamRequestId });
}

function readError(res: UpstreamResponse): NonNullable<OpenAIErrorBody['error']> {
  try {
    const body = res.json<OpenAIErrorBody>();
    return body && typeof body === 'object' && body.error && typeof body.error === 'object' ? body.error : {};
  } catch {
    return {}; // a non-JSON error page: the status decides
  }
}

export function toError(res: UpstreamResponse, who: string = WHO): GatewayError {
  const e = readError(res);
  const upstreamRequestId = res.header('x-request-id');
  const message = redact(e.message ?? `HTTP ${res.status}`);
  const param = typeof e.param === 'string' ? e.param : null;
  const verdict = e.code ? CODE_VERDICTS[e.code] : undefined;

  if (verdict === 'content_policy') {
    return new GatewayError(
      'content_policy_violation',
      `${who}'s safety system refused this request: ${message} Nothing was charged; change the prompt or the images.`,
      { upstreamRequestId },
    );
  }
  if (verdict === 'operator') {
    return new GatewayError(
      'upstream_error',
      `${who} refused the gateway's account (${e.code}): ${message} The operator must fix the provider configuration or billing.`,
      {
        retryable: true,
        upstreamRequestId,
      },
    );
  }
  const publicParam = param ? CLIENT_PARAMS[param.replace(/\[\d+\]$/, '[]')] : undefined;
  if (verdict === undefined && res.status === 400 && e.type === 'invalid_request_error' && publicParam) {
    return new GatewayError('invalid_request', `${who} refused ${publicParam}: ${message}`, { param: publicParam, upstreamRequestId });
  }
  if (verdict === 'gateway') {
    return new GatewayError(
      'upstream_error',
      `${who} rejected a field the gateway sent: ${message} This is a gateway or catalog fault, not your request; report it with the request id.`,
      {
        param,
        upstreamRequestId,
      },
    );
  }
  const mapped = errorForStatus(who, res, e.message);
  const credentials = res.status === 401 || res.status === 403;
  return new GatewayError(mapped.code, mapped.message, {
    retryable: mapped.retryable,
    retryAfterMs: mapped.retryAfterMs,
    upstreamRequestId,
    param: credentials ? null : param,
  });
}
