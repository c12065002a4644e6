/**
 * Stability AI failures → GatewayError. Error bodies are `{"id", "name", "errors": ["…"]}` (Stability's API
 * reference), `name` saying what went wrong:
 * - `content_moderation` (403): the prompt or image was flagged → 400 content_policy_violation.
 * - 401 `unauthorized`, 402 `payment_required` (out of credits), 403 otherwise: the operator's account → 502,
 *   retryable so another route may serve the request.
 * - 400 `bad_request` whose first error names a field the client chose ("prompt: …", "image: …") → 400
 *   invalid_request with that param; naming anything else → 502, a gateway or catalog fault, not retryable.
 * - 413 `payload_too_large` → 400 naming image; 422 `invalid_language` (prompts in English only) → 400 naming prompt.
 * - 429 and 5xx by status (errorForStatus). The key is never quoted (redact()).
 */
import { GatewayError } from '../../domain/errors.js';
import { errorForStatus, type UpstreamResponse } from '../http.js';
import { redact } from '../redact.js';
import { STABILITY } from './mapping.js';

interface StabilityErrorBody {
  id?: unknown;
  name?: unknown;
  errors?: unknown;
}

/** Upstream fields the client chose → their public names. */
const CLIENT_FIELDS: Readonly<Record<string, string>> = {
  prompt: 'prompt',
  negative_prompt: 'negative_prompt',
  image: 'image',
  mask: 'mask',
  aspect_ratio: 'aspect_ratio',
  seed: 'seed',
  output_format: 'output_format',
  style_preset: 'style_preset',
  cfg_scale: 'cfg_scale',
  search_prompt: 'search_prompt',
  grow_mask: 'grow_mask',
  left: 'left',
  right: 'right',
  up: 'up',
  down: 'down',
  creativity: 'creativity',
};

function readError(res: UpstreamResponse): { name?: string; message?: string } {
  try {
    const body = res.json<StabilityErrorBody>();
    if (!body || typeof body !== 'object') return {};
    const errors = Array.isArray(body.errors) ? body.errors.filter((e): e is string => typeof e === 'string') : [];
    return { name: typeof body.name === 'string' ? body.name : undefined, message: errors.length ? errors.join(' ') : undefined };
  } catch {
    return {}; // a non-JSON error page: the status decides
  }
}

export const requestIdOf = (res: Pick<UpstreamResponse, 'header'>) => res.header('x-request-id') ?? undefined;

export function contentPolicyError(what: string, upstreamRequestId: string | undefined): GatewayError {
  return new GatewayError(
    'content_policy_violation',
    `${STABILITY}'s content moderation refused this request: ${what} Nothing was charged; change the prompt or the image.`,
    { upstreamRequestId },
  );
}

export function toError(res: UpstreamResponse): GatewayError {
  const upstreamRequestId = requestIdOf(res);
  const { name, message: raw } = readError(res);
  const message = redact(raw ?? `HTTP ${res.status}`);
  if (name === 'content_moderation') return contentPolicyError(message, upstreamRequestId);
  if (res.status === 402 || res.status === 401 || res.status === 403) {
    return new GatewayError(
      'upstream_error',
      `${STABILITY} refused the gateway's account (HTTP ${res.status}${name ? ` ${name}` : ''}): ${message} The operator must fix the key or add credits.`,
      { retryable: true, upstreamRequestId },
    );
  }
  if (res.status === 413)
    return new GatewayError('invalid_request', `${STABILITY} refused the upload as too large: ${message}`, { param: 'image', upstreamRequestId });
  if (res.status === 422 && name === 'invalid_language') {
    return new GatewayError('invalid_request', `${STABILITY} takes English prompts only: ${message}`, { param: 'prompt', upstreamRequestId });
  }
  if (res.status === 400 || res.status === 422) {
    const field = raw?.match(/^\s*([a-z_]+)\s*:/)?.[1];
    const param = field ? CLIENT_FIELDS[field] : undefined;
    if (param) return new GatewayError('invalid_request', `${STABILITY} refused ${param}: ${message}`, { param, upstreamRequestId });
    return new GatewayError(
      'upstream_error',
      `${STABILITY} rejected the request the gateway sent: ${message} This is a gateway or catalog fault, not your request; report it with the request id.`,
      { upstreamRequestId },
    );
  }
  return errorForStatus(STABILITY, res, raw);
}
