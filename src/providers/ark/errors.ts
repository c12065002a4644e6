/**
 * Ark errors → GatewayError. Ark's body is `{"error": {code, message, param, type}}`; per-image failures in
 * a 200 reply carry `{code, message}`. The code decides first (table below); the HTTP status is the fallback.
 *
 * InvalidParameter: the adapter checks every field it sends, so Ark refusing one is the gateway's fault and
 * a 502 upstream_error (not retryable, Ark's message redacted) — except when Ark names `prompt` or `image`:
 * those are the client's content (e.g. a reference whose proportions Ark refuses), so that is a 400
 * invalid_request naming the client's field.
 */
import { GatewayError } from '../../domain/errors.js';
import { type ImageJob, listFieldOf } from '../../domain/job.js';
import { errorForStatus, parseRetryAfter, type UpstreamResponse } from '../http.js';
import { redact } from '../redact.js';

export const ARK = 'Volcengine Ark';

export interface ArkErrorObject {
  code?: string;
  message?: string;
  param?: string;
  type?: string;
}

/** Ark documents x-request-id; replies are assumed to carry x-tt-logid at times: take either. */
export function upstreamRequestIdOf(res: UpstreamResponse): string | undefined {
  return res.header('x-request-id') ?? res.header('x-tt-logid');
}

type Subject = 'prompt' | 'image' | 'output';

type CodeRule = { kind: 'moderation'; subject: Subject } | { kind: 'rate_limit' } | { kind: 'credentials' } | { kind: 'invalid_parameter' };

const CODE_RULES: Record<string, CodeRule> = {
  InputTextSensitiveContentDetected: { kind: 'moderation', subject: 'prompt' },
  InputImageSensitiveContentDetected: { kind: 'moderation', subject: 'image' },
  OutputImageSensitiveContentDetected: { kind: 'moderation', subject: 'output' },
  RateLimitExceeded: { kind: 'rate_limit' },
  ServerOverloaded: { kind: 'rate_limit' },
  AuthenticationError: { kind: 'credentials' },
  AccessDenied: { kind: 'credentials' },
  InvalidParameter: { kind: 'invalid_parameter' },
};

function ruleFor(code: string | undefined): CodeRule | undefined {
  if (!code) return undefined;
  if (Object.hasOwn(CODE_RULES, code)) return CODE_RULES[code];
  // Tolerate Ark's finer-grained variants, e.g. RateLimitExceeded.EndpointRPMExceeded, *SensitiveContentDetected.
  if (code.endsWith('SensitiveContentDetected')) return { kind: 'moderation', subject: 'output' };
  if (code.startsWith('RateLimitExceeded')) return { kind: 'rate_limit' };
  return undefined;
}

/** The client's field for Ark's `image`: the list field the references came in, e.g. `image_urls`. */
const imageField = (job: ImageJob) => listFieldOf(job.images[0]?.field ?? 'image');

const SUBJECT_TEXT: Record<Subject, string> = { prompt: 'the prompt', image: 'a reference image', output: 'the generated image' };
const SUBJECT_PARAM: Record<Subject, (job: ImageJob) => string | null> = { prompt: () => 'prompt', image: imageField, output: () => null };
const CLIENT_PARAM: Record<string, (job: ImageJob) => string> = { prompt: () => 'prompt', image: imageField };

interface Seen {
  error: ArkErrorObject;
  upstreamRequestId: string | undefined;
  retryAfterMs?: number;
}

/** The code-decided error, or undefined when only the HTTP status can say. */
function byCode(rule: CodeRule | undefined, job: ImageJob, seen: Seen): GatewayError | undefined {
  const { error, upstreamRequestId } = seen;
  const detail = error.message ? `: ${redact(error.message)}` : '';
  switch (rule?.kind) {
    case 'moderation': {
      const subject = rule.subject;
      const change = subject === 'output' ? 'rephrase the prompt' : `change ${SUBJECT_TEXT[subject]}`;
      return new GatewayError(
        'content_policy_violation',
        `${ARK}'s safety system flagged ${SUBJECT_TEXT[subject]} (${error.code})${detail}. To continue, ${change}.`,
        {
          param: SUBJECT_PARAM[subject](job),
          upstreamRequestId,
        },
      );
    }
    case 'rate_limit':
      return new GatewayError('rate_limit_exceeded', `${ARK} is rate limiting or overloaded (${error.code}); retry later.`, {
        retryable: true,
        retryAfterMs: seen.retryAfterMs,
        upstreamRequestId,
      });
    case 'credentials':
      return new GatewayError(
        'upstream_error',
        `${ARK} rejected the gateway's credentials (${error.code}); the operator must fix the provider configuration.`,
        { retryable: true, upstreamRequestId },
      );
    case 'invalid_parameter': {
      const client = error.param && Object.hasOwn(CLIENT_PARAM, error.param) ? CLIENT_PARAM[error.param]!(job) : undefined;
      if (client)
        return new GatewayError('invalid_request', `${ARK} refused ${client}${detail}. Change ${client} and try again.`, { param: client, upstreamRequestId });
      return new GatewayError(
        'upstream_error',
        `${ARK} refused a parameter the gateway sent${error.param ? ` (${error.param})` : ''}${detail}. This is a gateway problem; please report it.`,
        { retryable: false, upstreamRequestId },
      );
    }
    default:
      return undefined;
  }
}

/** A non-2xx reply. */
export function toError(res: UpstreamResponse, job: ImageJob): GatewayError {
  let error: ArkErrorObject = {};
  try {
    error = res.json<{ error?: ArkErrorObject }>()?.error ?? {};
  } catch {
    /* not JSON (a proxy's error page): the status decides */
  }
  const upstreamRequestId = upstreamRequestIdOf(res);
  const seen = { error, upstreamRequestId, retryAfterMs: parseRetryAfter(res.header('retry-after')) };
  // errorForStatus reads the same request id headers (x-request-id, then x-tt-logid).
  return byCode(ruleFor(error.code), job, seen) ?? errorForStatus(ARK, res, error.message);
}

/** A per-image failure inside a 200 reply, when no image came back at all. */
export function itemError(error: ArkErrorObject, job: ImageJob, upstreamRequestId: string | undefined): GatewayError {
  const mapped = byCode(ruleFor(error.code), job, { error, upstreamRequestId });
  if (mapped) return mapped;
  const detail = error.message ? `: ${redact(error.message)}` : '';
  // An unexplained generation failure: another attempt may well succeed.
  return new GatewayError('upstream_error', `${ARK} failed to generate the image${error.code ? ` (${error.code})` : ''}${detail}.`, {
    retryable: true,
    upstreamRequestId,
  });
}
