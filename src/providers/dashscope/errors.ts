/**
 * DashScope errors → GatewayError. Replies carry `{request_id, code, message}` with an HTTP status; a FAILED
 * task or a failed result item carries `code`/`message` inside `output`. The code decides first (table below),
 * the HTTP status is the fallback (errorForStatus). `request_id` becomes upstreamRequestId.
 *
 * InvalidParameter: the adapter checks every field it sends against the model's table, so DashScope refusing
 * one is the gateway's fault: a 502 upstream_error, not retryable, DashScope's message redacted. The one
 * exception is a message about an image or URL while the job has reference images: DashScope fetches and
 * decodes the client's images itself, so that is the client's input, a 400 invalid_request naming it.
 */
import { GatewayError } from '../../domain/errors.js';
import { type ImageJob, listFieldOf } from '../../domain/job.js';

/** Errors only need to know which input images the client sent. */
type Job = Pick<ImageJob, 'images'>;
import { errorForStatus, parseRetryAfter, type UpstreamResponse } from '../http.js';
import { redact } from '../redact.js';

export const WHO = 'DashScope';

export interface DashScopeError {
  request_id?: string;
  code?: string;
  message?: string;
}

type Rule = 'moderation' | 'invalid_parameter' | 'credentials' | 'arrears' | 'timeout' | 'too_large' | 'rate_limit';

const CODE_RULES: Readonly<Record<string, Rule>> = {
  DataInspectionFailed: 'moderation',
  // Refused as a likely copyright / likeness infringement: a content decision the client must act on.
  IPInfringementSuspect: 'moderation',
  InvalidParameter: 'invalid_parameter',
  InvalidApiKey: 'credentials',
  AccessDenied: 'credentials',
  Arrearage: 'arrears',
  RequestTimeOut: 'timeout',
  'BadRequest.TooLarge': 'too_large',
  Throttling: 'rate_limit',
};

/** Exact code first, then its family: `Throttling.RateQuota` → Throttling, `AccessDenied.Unpurchased` → AccessDenied. */
function ruleFor(code: string | undefined): Rule | undefined {
  if (!code) return undefined;
  if (Object.hasOwn(CODE_RULES, code)) return CODE_RULES[code];
  const family = code.split('.')[0]!;
  return Object.hasOwn(CODE_RULES, family) ? CODE_RULES[family] : undefined;
}

/** The public field the references came in, e.g. `image_urls` for `image_urls[1]`. */
const imagesField = (job: Job) => listFieldOf(job.images[0]?.field ?? 'image');

interface Seen {
  error: DashScopeError;
  upstreamRequestId: string | undefined;
  retryAfterMs?: number;
}

type Build = (job: Job, seen: Seen, label: string, detail: string) => GatewayError | undefined;

const RULES: Record<Rule, Build> = {
  moderation(job, { error, upstreamRequestId }, label, detail) {
    const text = error.message ?? '';
    // DashScope says which side it blocked: "Input data…", "Input image data…", "Output data…".
    const param = /output/i.test(text) ? null : /image/i.test(text) && job.images.length ? imagesField(job) : 'prompt';
    return new GatewayError(
      'content_policy_violation',
      `${WHO}'s content moderation blocked this request (${label})${detail}. Change the prompt${job.images.length ? ' or the reference images' : ''} and try again.`,
      {
        param,
        upstreamRequestId,
      },
    );
  },
  invalid_parameter(job, { error, upstreamRequestId }, label, detail) {
    if (job.images.length && /image|url|download/i.test(error.message ?? '')) {
      const field = imagesField(job);
      return new GatewayError(
        'invalid_request',
        `${WHO} could not use a reference image (${label})${detail}. Send each image in ${field} as a publicly reachable URL or inline JPEG/PNG/BMP/WEBP of 240–8000 px.`,
        {
          param: field,
          upstreamRequestId,
        },
      );
    }
    return new GatewayError('upstream_error', `${WHO} refused a parameter the gateway sent (${label})${detail}. This is a gateway problem; please report it.`, {
      retryable: false,
      upstreamRequestId,
    });
  },
  credentials: (_job, { upstreamRequestId }, label) =>
    new GatewayError('upstream_error', `${WHO} rejected the gateway's credentials (${label}); the operator must fix the provider configuration.`, {
      retryable: true,
      upstreamRequestId,
    }),
  // Another route may use another, paid-up account: retryable.
  arrears: (_job, { upstreamRequestId }, label) =>
    new GatewayError('upstream_error', `${WHO} refused the request: the provider account is in arrears (${label}); the operator must top up the account.`, {
      retryable: true,
      upstreamRequestId,
    }),
  timeout: (_job, { upstreamRequestId }, label) =>
    new GatewayError('upstream_error', `${WHO} timed out while handling the request (${label}).`, { retryable: true, upstreamRequestId }),
  too_large: (job, { upstreamRequestId }, label) =>
    new GatewayError('invalid_request', `The request is too large for ${WHO} (${label}): send fewer or smaller reference images, or a shorter prompt.`, {
      param: job.images.length ? imagesField(job) : 'prompt',
      upstreamRequestId,
    }),
  rate_limit: (_job, { upstreamRequestId, retryAfterMs }, label) =>
    new GatewayError('rate_limit_exceeded', `${WHO} is rate limiting this gateway (${label}); retry later.`, {
      retryable: true,
      retryAfterMs,
      upstreamRequestId,
    }),
};

/** An upstream message fit for a client: no credentials, and no inline image an error may echo back. */
const clean = (message: string) => redact(message.replace(/data:[\w/+.-]*;base64,[A-Za-z0-9+/=]+/g, 'data:…'));
const detailOf = (error: DashScopeError) => (error.message ? `: ${clean(error.message)}` : '');

function byCode(job: Job, seen: Seen): GatewayError | undefined {
  const rule = ruleFor(seen.error.code);
  if (!rule) return undefined;
  const detail = detailOf(seen.error);
  return RULES[rule](job, seen, seen.error.code!, detail);
}

function withRequestId(e: GatewayError, upstreamRequestId: string | undefined): GatewayError {
  if (!upstreamRequestId || e.upstreamRequestId) return e;
  return new GatewayError(e.code, e.message, {
    param: e.param,
    retryable: e.retryable,
    retryAfterMs: e.retryAfterMs,
    details: e.details,
    headers: e.headers,
    upstreamRequestId,
  });
}

/** A non-2xx reply. */
export function toError(res: UpstreamResponse, job: Job): GatewayError {
  let error: DashScopeError = {};
  try {
    const parsed = res.json<DashScopeError>();
    if (parsed && typeof parsed === 'object') error = parsed;
  } catch {
    /* not JSON (a proxy's error page): the status decides */
  }
  const upstreamRequestId = error.request_id ?? res.header('x-request-id');
  const seen = { error, upstreamRequestId, retryAfterMs: parseRetryAfter(res.header('retry-after')) };
  const said = error.message === undefined ? undefined : clean(error.message);
  return byCode(job, seen) ?? withRequestId(errorForStatus(WHO, res, error.code ? `${error.code} ${said ?? ''}` : said), upstreamRequestId);
}

/** A FAILED task, or a result item that failed, with DashScope's `code`/`message`. */
export function generationFailure(job: Job, error: DashScopeError, upstreamRequestId: string | undefined): GatewayError {
  const mapped = byCode(job, { error, upstreamRequestId });
  if (mapped) return mapped;
  const detail = detailOf(error);
  return new GatewayError('upstream_error', `The ${WHO} task failed${error.code ? ` (${error.code})` : ''}${detail}.`, { retryable: false, upstreamRequestId });
}
