/**
 * BFL failures → GatewayError (BFL's API reference, "Errors"). Error bodies are FastAPI's: `{"detail": "…"}`
 * or `{"detail": [{"loc": ["body", field], "msg", "type"}]}` for a 422.
 * - 402 (out of credits), 401 and 403 are the operator's: 502, retryable so another route may serve.
 * - 400 / 422 naming a field the client chose → 400 invalid_request naming its public name (width and
 *   height are `size`, input images are `image`); naming anything else → 502, a gateway or catalog fault.
 * - 429 and 5xx by status (errorForStatus). Messages are redacted of key-like strings.
 * The job's own end states (moderation, Error, Task not found) are mapped in protocol.ts.
 */
import { GatewayError } from '../../domain/errors.js';
import { errorForStatus, type UpstreamResponse } from '../http.js';
import { redact } from '../redact.js';
import { BFL } from './mapping.js';

interface FastApiDetail {
  loc?: unknown;
  msg?: unknown;
}

/** BFL body fields the client chose → their public names. */
const PUBLIC_FIELD: Readonly<Record<string, string>> = {
  prompt: 'prompt',
  width: 'size',
  height: 'size',
  aspect_ratio: 'aspect_ratio',
  seed: 'seed',
  output_format: 'output_format',
  prompt_upsampling: 'prompt_upsampling',
  safety_tolerance: 'safety_tolerance',
  raw: 'raw',
  steps: 'steps',
  guidance: 'guidance',
  input_image: 'image',
  input_image_2: 'image',
  input_image_3: 'image',
  input_image_4: 'image',
};

function readDetail(res: UpstreamResponse): { message?: string; field?: string } {
  let body: { detail?: unknown };
  try {
    body = res.json<{ detail?: unknown }>() ?? {};
  } catch {
    return {}; // not JSON (a proxy's page): the status decides
  }
  const detail = body?.detail;
  if (typeof detail === 'string') return { message: detail };
  if (!Array.isArray(detail)) return {};
  const items = detail.filter((d): d is FastApiDetail => typeof d === 'object' && d !== null);
  const first = items[0];
  const loc = Array.isArray(first?.loc) ? first.loc : [];
  const field = loc[0] === 'body' && typeof loc[1] === 'string' ? loc[1] : undefined;
  const message = items.map((d) => `${Array.isArray(d.loc) ? d.loc.join('.') : ''}: ${String(d.msg ?? '')}`).join('; ');
  return { message, ...(field ? { field } : {}) };
}

const requestIdOf = (res: UpstreamResponse) => res.header('x-request-id') ?? undefined;

/** A non-2xx answer to a submit or a poll. */
export function toError(res: UpstreamResponse): GatewayError {
  const upstreamRequestId = requestIdOf(res);
  const { message: raw, field } = readDetail(res);
  const message = redact(raw ?? `HTTP ${res.status}`);
  if (res.status === 402) {
    return new GatewayError('upstream_error', `${BFL} refused the gateway's account: it is out of credits (HTTP 402). The operator must add credits.`, {
      retryable: true,
      upstreamRequestId,
    });
  }
  if (res.status === 400 || res.status === 422) {
    const param = field ? PUBLIC_FIELD[field] : undefined;
    if (param) return new GatewayError('invalid_request', `${BFL} refused ${param}: ${message}`, { param, upstreamRequestId });
    return new GatewayError(
      'upstream_error',
      `${BFL} rejected the request the gateway sent (HTTP ${res.status}): ${message} This is a gateway or catalog fault, not your request; report it with the request id.`,
      { retryable: false, upstreamRequestId },
    );
  }
  return errorForStatus(BFL, res, raw);
}

/** A 200 answer whose body is not what BFL documents. */
export function malformed(what: string): GatewayError {
  return new GatewayError('upstream_error', `${BFL} returned a malformed response: ${what}.`, { retryable: true });
}
