/**
 * Replicate failures → GatewayError. Two kinds:
 * - HTTP errors, bodies in the problem-details shape `{title, detail, status}` (422 adds `invalid_fields`,
 *   each `{type, field, description}` with fields spelled `input.<name>`; older replies carry `detail` only).
 *   422 naming an input the client chose → 400 invalid_request naming its public field; naming anything else
 *   → 502 (the gateway's or the catalog's fault). 401/403 (token), 402 (out of credit) and 404 on create (no
 *   such model or version) are the operator's to fix: 502, retryable so another route may serve. 404 on a
 *   prediction: Replicate no longer knows it. 429 → rate_limit_exceeded with Retry-After.
 * - A prediction that ended without output (`failed`, `canceled`, `aborted`), `error` holding the model's
 *   message: safety-checker refusals ("NSFW content detected", "flagged as sensitive (E005)") are a
 *   content_policy_violation; "Prediction interrupted; please retry (code: PA)" and `aborted` (it never
 *   started) produced nothing, so a fresh attempt is safe.
 * Messages quoted from Replicate pass through redact().
 */
import type { Route } from '../../domain/adapter.js';
import { GatewayError } from '../../domain/errors.js';
import type { ImageJob } from '../../domain/job.js';
import { errorForStatus, parseRetryAfter, type UpstreamResponse } from '../http.js';
import { redact } from '../redact.js';
import { modelOf, REPLICATE } from './mapping.js';

interface ProblemBody {
  title?: unknown;
  detail?: unknown;
  status?: unknown;
  retry_after?: unknown;
  invalid_fields?: unknown;
}

export type Call = 'create' | 'get' | 'cancel';

/** Errors only need the job's images and params, to name the public field an input came from. */
type Job = Pick<ImageJob, 'images' | 'params'>;

function readProblem(res: UpstreamResponse): ProblemBody {
  try {
    const body = res.json<ProblemBody>();
    return body && typeof body === 'object' ? body : {};
  } catch {
    return {}; // not JSON (a proxy's error page): the status decides
  }
}

const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** The first input field a 422 names: from `invalid_fields`, else from detail's `- input.<name>: …` lines. */
function invalidInput(problem: ProblemBody): string | undefined {
  if (Array.isArray(problem.invalid_fields)) {
    for (const f of problem.invalid_fields) {
      const field = text((f as { field?: unknown } | null)?.field);
      const name = field?.match(/^input\.([\w-]+)/)?.[1];
      if (name) return name;
    }
  }
  return text(problem.detail)?.match(/input\.([\w-]+)/)?.[1];
}

/** Replicate's input field → the public field the client chose it with, where the client chose it. */
function publicFieldOf(input: string, job: Job, route: Route): string | undefined {
  const { model, known } = modelOf(route.upstreamModel);
  if (input === 'prompt') return 'prompt';
  if (model.count === input) return 'n';
  if (model.image === input) return job.images[0]?.field ?? 'image';
  if (model.size && (model.size.kind === 'text' ? input === model.size.field : input === 'width' || input === 'height')) return 'size';
  const param = known ? Object.keys(model.inputs).find((p) => model.inputs[p] === input) : input;
  return param !== undefined && job.params[param] !== undefined && job.params[param] !== null ? param : undefined;
}

/** A non-2xx reply to a create, get or cancel call. */
export function toError(res: UpstreamResponse, call: Call, job: Job, route: Route): GatewayError {
  const problem = readProblem(res);
  const said = text(problem.detail) ?? text(problem.title);
  const message = said ? redact(said) : `HTTP ${res.status}`;
  const upstreamRequestId = res.header('x-request-id');
  if (res.status === 422) {
    const input = invalidInput(problem);
    const param = input === undefined ? undefined : publicFieldOf(input, job, route);
    if (param) return new GatewayError('invalid_request', `${REPLICATE} refused ${param}: ${message}`, { param, upstreamRequestId });
    return new GatewayError(
      'upstream_error',
      `${REPLICATE} refused the input the gateway sent: ${message} This is a gateway or catalog fault, not your request; report it with the request id.`,
      { retryable: false, upstreamRequestId },
    );
  }
  if (res.status === 402) {
    return new GatewayError('upstream_error', `${REPLICATE} refused the gateway's account (HTTP 402): ${message} The operator must add credit.`, {
      retryable: true,
      upstreamRequestId,
    });
  }
  if (res.status === 404 && call === 'create') {
    return new GatewayError(
      'upstream_error',
      `${REPLICATE} has no model or version "${route.upstreamModel}" for this route (HTTP 404): ${message} The operator must fix the catalog route.`,
      { retryable: true, upstreamRequestId },
    );
  }
  if (res.status === 404) {
    return new GatewayError('upstream_error', `${REPLICATE} does not know the prediction (HTTP 404): ${message}`, { retryable: true, upstreamRequestId });
  }
  if (res.status === 429) {
    const seconds = typeof problem.retry_after === 'number' ? problem.retry_after : undefined;
    const retryAfterMs = parseRetryAfter(res.header('retry-after')) ?? (seconds === undefined ? undefined : Math.ceil(seconds * 1000));
    return new GatewayError('rate_limit_exceeded', `${REPLICATE} is rate limiting this gateway; retry later: ${message}`, {
      retryable: true,
      retryAfterMs,
      upstreamRequestId,
    });
  }
  return errorForStatus(REPLICATE, res, said);
}

/** The safety checker's refusals, as the official FLUX models word them. */
const SAFETY = /nsfw|safety[ _-]?checker|flagged as sensitive|\(E005\)|content moderation/i;
/** Replicate's own "try again" failure: the prediction was cut off before it produced anything. */
const INTERRUPTED = /prediction interrupted|\(code: PA\)/i;

/** A prediction that ended `failed`, with the model's `error`. */
export function predictionFailure(id: string, error: unknown): GatewayError {
  const said = typeof error === 'string' ? error : error === null || error === undefined ? '' : JSON.stringify(error);
  const message = redact(said.trim() || 'no reason given');
  if (SAFETY.test(said)) {
    return new GatewayError(
      'content_policy_violation',
      `${REPLICATE}'s safety checker refused this request: ${message} Nothing was charged; change the prompt${/input/i.test(said) ? ' or the image' : ''}.`,
      // Replicate does not say whether the prompt, the image or the output was refused: no one field to name.
      { param: null, upstreamRequestId: id },
    );
  }
  if (INTERRUPTED.test(said)) {
    return new GatewayError('upstream_error', `${REPLICATE} interrupted prediction ${id} before it produced anything: ${message}`, {
      retryable: true,
      upstreamRequestId: id,
    });
  }
  return new GatewayError('upstream_error', `${REPLICATE} prediction ${id} failed: ${message}`, { retryable: false, upstreamRequestId: id });
}

export const predictionCanceled = (id: string) =>
  new GatewayError('upstream_error', `${REPLICATE} prediction ${id} was cancelled upstream.`, { retryable: false, upstreamRequestId: id });

/** `aborted`: Replicate ended the prediction before it started (its deadline passed in the queue): nothing ran. */
export const predictionAborted = (id: string) =>
  new GatewayError('upstream_error', `${REPLICATE} aborted prediction ${id} before it started.`, { retryable: true, upstreamRequestId: id });

const malformedReplies = new WeakSet<GatewayError>();

/** A reply the gateway cannot read: retryable, unless the caller knows a prediction may be running on it. */
export function malformed(what: string, upstreamRequestId?: string, retryable = true): GatewayError {
  const e = new GatewayError('upstream_error', `${REPLICATE} returned a malformed response: ${what}.`, { retryable, upstreamRequestId });
  malformedReplies.add(e);
  return e;
}

export const isMalformed = (e: unknown): boolean => e instanceof GatewayError && malformedReplies.has(e);
