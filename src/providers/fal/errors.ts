/**
 * fal.ai failures → GatewayError. Error bodies are `{"detail": "…"}` or FastAPI's
 * `{"detail": [{"loc": ["body", input], "msg", "type"}]}` (fal's model APIs).
 * - A detail of type `content_policy_violation` → 400 content_policy_violation.
 * - 400 / 422 naming an input the gateway sent from the client's request → 400 invalid_request naming the
 *   public field (image_size is `size`, num_images `n`, image_url `image`); naming anything else → 502, a
 *   gateway or catalog fault, not retryable.
 * - 401 / 403 (a wrong key, a locked or exhausted account) → 502 for the operator, retryable; 429 and 5xx
 *   by status (errorForStatus). Messages are redacted of key-like strings.
 * fal's request errors (fal's "Request errors" page) also carry `error_type` (in the body and the
 * X-Fal-Error-Type header): fal's own word on how the request ended, e.g. `client_cancelled`,
 * `runner_server_error` after fal's retries.
 */
import { GatewayError } from '../../domain/errors.js';
import { errorForStatus, type UpstreamResponse } from '../http.js';
import { redact } from '../redact.js';
import { type InputMap, publicFieldOf } from './inputs.js';
import { FAL } from './mapping.js';

interface DetailItem {
  loc?: unknown;
  msg?: unknown;
  type?: unknown;
}

interface ReadError {
  message?: string;
  /** The fal input the first detail names. */
  input?: string;
  moderated: boolean;
}

function readError(res: UpstreamResponse): ReadError {
  let detail: unknown;
  try {
    detail = res.json<{ detail?: unknown }>()?.detail;
  } catch {
    return { moderated: false }; // not JSON (a proxy's page): the status decides
  }
  if (typeof detail === 'string') return { message: detail, moderated: false };
  if (!Array.isArray(detail)) return { moderated: false };
  const items = detail.filter((d): d is DetailItem => typeof d === 'object' && d !== null);
  const loc = Array.isArray(items[0]?.loc) ? (items[0]!.loc as unknown[]) : [];
  const input = loc[0] === 'body' && typeof loc[1] === 'string' ? loc[1] : undefined;
  const message = items.map((d) => String(d.msg ?? '')).join('; ');
  return { message, moderated: items.some((d) => d.type === 'content_policy_violation'), ...(input ? { input } : {}) };
}

/** The request error's `error_type`, when fal says how the request ended. */
export function requestErrorType(res: UpstreamResponse): string | undefined {
  const header = res.header('x-fal-error-type');
  if (header) return header;
  try {
    const type = res.json<{ error_type?: unknown }>()?.error_type;
    return typeof type === 'string' && type !== '' ? type : undefined;
  } catch {
    return undefined;
  }
}

const requestIdOf = (res: UpstreamResponse) => res.header('x-fal-request-id') ?? res.header('x-request-id') ?? undefined;

/** A non-2xx answer. `sent`: the fal inputs the request carried (all from the client's request). */
export function toError(res: UpstreamResponse, map: InputMap, sent: ReadonlySet<string>): GatewayError {
  const upstreamRequestId = requestIdOf(res);
  const { message: raw, input, moderated } = readError(res);
  const message = redact(raw ?? `HTTP ${res.status}`);
  if (moderated) {
    const param = input ? publicFieldOf(map, input) : null;
    return new GatewayError(
      'content_policy_violation',
      `${FAL}'s content checker refused this request: ${message}. Nothing was charged; change the prompt or the image.`,
      {
        param: param === 'prompt' || param === 'image' ? param : null,
        upstreamRequestId,
      },
    );
  }
  if (res.status === 400 || res.status === 422) {
    if (input && sent.has(input)) {
      const param = publicFieldOf(map, input);
      return new GatewayError('invalid_request', `${FAL} refused ${param}: ${message}`, { param, upstreamRequestId });
    }
    return new GatewayError(
      'upstream_error',
      `${FAL} rejected the request the gateway sent (HTTP ${res.status}): ${message}. This is a gateway or catalog fault, not your request; report it with the request id.`,
      { retryable: false, upstreamRequestId },
    );
  }
  return errorForStatus(FAL, res, raw);
}

export function malformed(what: string): GatewayError {
  return new GatewayError('upstream_error', `${FAL} returned a malformed response: ${what}.`, { retryable: true });
}
