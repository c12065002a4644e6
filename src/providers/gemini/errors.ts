/**
 * Gemini failures → GatewayError: HTTP error bodies `{"error": {code, message, status, details}}`, and the
 * 200 replies that carry no image (blocked prompt, a finishReason, text only).
 */
import { type ErrorCode, GatewayError } from '../../domain/errors.js';
import { errorForStatus, type UpstreamResponse } from '../http.js';

export const WHO = 'Gemini';

interface GoogleErrorDetail {
  '@type'?: string;
  reason?: string;
  retryDelay?: string;
}

export interface GoogleErrorBody {
  error?: { code?: number; message?: string; status?: string; details?: GoogleErrorDetail[] };
}

/** finishReason of a candidate without an image → what the client is told. */
const FINISH_REASONS: Record<string, { code: ErrorCode; why: string }> = {
  SAFETY: { code: 'content_policy_violation', why: "Gemini's safety filters stopped the response" },
  IMAGE_SAFETY: { code: 'content_policy_violation', why: "Gemini's safety filters blocked the generated image" },
  PROHIBITED_CONTENT: { code: 'content_policy_violation', why: 'Gemini judged the request to ask for prohibited content' },
  IMAGE_PROHIBITED_CONTENT: { code: 'content_policy_violation', why: 'Gemini judged the generated image to be prohibited content' },
  BLOCKLIST: { code: 'content_policy_violation', why: "the request contains terms on Gemini's blocklist" },
  SPII: { code: 'content_policy_violation', why: 'the response would contain sensitive personal information' },
  RECITATION: { code: 'content_policy_violation', why: 'the response would reproduce existing protected material' },
  IMAGE_RECITATION: { code: 'content_policy_violation', why: 'the image would reproduce existing protected material' },
  NO_IMAGE: { code: 'no_image_generated', why: 'Gemini produced no image' },
  IMAGE_OTHER: { code: 'no_image_generated', why: 'Gemini could not produce the image' },
  OTHER: { code: 'no_image_generated', why: 'Gemini stopped without an image' },
  MAX_TOKENS: { code: 'no_image_generated', why: 'Gemini ran out of output tokens before the image' },
};

const MAX_QUOTED_TEXT = 200;

function quote(text: string | undefined): string {
  const t = (text ?? '').trim().replace(/\s+/g, ' ');
  if (!t) return '';
  return ` The model said: "${t.length > MAX_QUOTED_TEXT ? `${t.slice(0, MAX_QUOTED_TEXT)}…` : t}"`;
}

export function blockedPromptError(blockReason: string, upstreamRequestId: string | undefined): GatewayError {
  return new GatewayError(
    'content_policy_violation',
    `Gemini's safety system blocked this prompt (blockReason ${blockReason}). Nothing was charged; change the prompt or the reference images.`,
    { upstreamRequestId },
  );
}

/** A candidate that ended without an image; `text` is whatever the model wrote instead. */
export function noImageError(finishReason: string | undefined, text: string | undefined, upstreamRequestId: string | undefined): GatewayError {
  const known = finishReason ? FINISH_REASONS[finishReason] : undefined;
  const reason = finishReason ?? 'none';
  if (known?.code === 'content_policy_violation') {
    return new GatewayError(
      'content_policy_violation',
      `${known.why} (finishReason ${reason}). Nothing was charged; change the prompt or the reference images.${quote(text)}`,
      { upstreamRequestId },
    );
  }
  const why = known?.why ?? (text ? 'Gemini answered with text instead of an image' : 'Gemini returned no image');
  return new GatewayError(
    'no_image_generated',
    `${why} (finishReason ${reason}). Nothing was charged; try rephrasing the prompt to ask for an image explicitly.${quote(text)}`,
    { upstreamRequestId },
  );
}

export function malformedReplyError(what: string, upstreamRequestId?: string): GatewayError {
  return new GatewayError('upstream_error', `${WHO} returned a malformed response: ${what}.`, { retryable: true, upstreamRequestId });
}

/**
 * The cause of an error whose upstream refused the gateway's credentials, so that an adapter holding a
 * cached credential (Vertex's access token) knows to drop it.
 */
export class CredentialsRejected extends Error {}

/** An invalid key is a 400 API_KEY_INVALID at Google, not a 401: it is still the operator's fault. */
function isCredentialFault(status: number, e: NonNullable<GoogleErrorBody['error']>): boolean {
  if (status === 401 || status === 403) return true;
  return status === 400 && (e.details?.some((d) => d.reason === 'API_KEY_INVALID') === true || /API key not valid/i.test(e.message ?? ''));
}

/** google.rpc.RetryInfo `retryDelay` ("30s", "1.5s") → ms. */
function retryDelayMs(e: NonNullable<GoogleErrorBody['error']>): number | undefined {
  const delay = e.details?.find((d) => d['@type']?.endsWith('google.rpc.RetryInfo'))?.retryDelay;
  const m = delay ? /^(\d+(?:\.\d+)?)s$/.exec(delay) : null;
  return m ? Math.round(Number(m[1]) * 1000) : undefined;
}

/**
 * An `{"error": {...}}` event inside a stream (assumed: Google ends a failing stream so): mapped as if it
 * were the HTTP answer, with the status its `code` gives.
 */
export function streamedError(body: GoogleErrorBody): GatewayError {
  const status = typeof body.error?.code === 'number' ? body.error.code : 500;
  const text = JSON.stringify(body);
  return toError({
    status,
    headers: {},
    body: Buffer.from(text),
    text: () => text,
    json: <T>() => body as T,
    header: () => undefined,
  });
}

/** Google's error answer → GatewayError; `who` names the API (the same shape serves the Gemini API and Vertex AI). */
export function toError(res: UpstreamResponse, who = WHO): GatewayError {
  let body: GoogleErrorBody = {};
  try {
    body = res.json<GoogleErrorBody>();
  } catch {
    /* a non-JSON error page: the status decides */
  }
  const e = body.error ?? {};
  if (isCredentialFault(res.status, e)) {
    // Never echo Google's message here: the client can do nothing about it and it may describe the key.
    return new GatewayError(
      'upstream_error',
      `${who} rejected the gateway's credentials (HTTP ${res.status}${e.status ? ` ${e.status}` : ''}); the operator must fix the provider configuration.`,
      { retryable: true, cause: new CredentialsRejected(`HTTP ${res.status}`) },
    );
  }
  const mapped = errorForStatus(who, res, e.message ? `${e.status ? `${e.status} ` : ''}${e.message}` : undefined);
  if (res.status !== 429) return mapped;
  return new GatewayError(mapped.code, mapped.message, {
    retryable: true,
    retryAfterMs: mapped.retryAfterMs ?? retryDelayMs(e),
    upstreamRequestId: mapped.upstreamRequestId,
  });
}
