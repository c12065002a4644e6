/**
 * Azure OpenAI failures → GatewayError. Bodies are OpenAI's `{"error": {code, message, param, type}}`, with
 * Azure's additions: an `innererror` (GPT Image: `{code: "ResponsibleAIPolicyViolation",
 * content_filter_result: {category: {filtered, severity}}}`) or `inner_error` (DALL·E 3, with
 * `content_filter_results`), and Azure's own codes (`DeploymentNotFound`, `OperationNotSupported`, or the
 * HTTP status as a string: "401", "429").
 *
 * - Content filtering (either inner form, or a content-filter code) → 400 content_policy_violation naming the
 *   categories filtered, not retryable: the client must change the prompt or images.
 * - A deployment or operation the resource does not have, or any 404 (a wrong endpoint or api-version) →
 *   502, retryable: the operator's catalog is wrong for this route, and another route may serve.
 * - Everything else reads as OpenAI's errors do (credentials 502 retryable, 429 rate limit, 400 naming a
 *   client field): openai/errors.ts.
 */
import { GatewayError } from '../../domain/errors.js';
import type { UpstreamResponse } from '../http.js';
import { toError as openAIError } from '../openai/errors.js';
import { redact } from '../redact.js';
import { CONTENT_FILTER_CODES, OPERATOR_CODES, REQUEST_ID_HEADERS, WHO } from './mapping.js';

type FilterResults = Record<string, { filtered?: boolean; severity?: string; detected?: boolean } | undefined>;

interface InnerError {
  code?: string;
  content_filter_result?: FilterResults;
  content_filter_results?: FilterResults;
}

interface AzureError {
  code?: string | null;
  message?: string;
  param?: string | null;
  type?: string | null;
  innererror?: InnerError;
  inner_error?: InnerError;
}

function readError(res: UpstreamResponse): AzureError {
  try {
    const body = res.json<{ error?: AzureError }>();
    return body && typeof body === 'object' && body.error && typeof body.error === 'object' ? body.error : {};
  } catch {
    return {};
  }
}

/** The categories the filter flagged (`sexual`, `violence`, …), for the client's message. */
function filteredCategories(inner: InnerError | undefined): string[] {
  const results = inner?.content_filter_result ?? inner?.content_filter_results;
  if (!results || typeof results !== 'object') return [];
  return Object.entries(results)
    .filter(([, r]) => r && typeof r === 'object' && (r.filtered === true || (r.detected === true && r.filtered !== false)))
    .map(([category]) => category);
}

const isContentFilter = (e: AzureError, inner: InnerError | undefined) =>
  (typeof e.code === 'string' && CONTENT_FILTER_CODES.includes(e.code)) ||
  (typeof inner?.code === 'string' && CONTENT_FILTER_CODES.includes(inner.code)) ||
  filteredCategories(inner).length > 0;

export function toError(res: UpstreamResponse): GatewayError {
  const e = readError(res);
  const upstreamRequestId = REQUEST_ID_HEADERS.map((h) => res.header(h)).find((id) => id !== undefined);
  const inner = e.innererror ?? e.inner_error;
  const message = redact(e.message ?? `HTTP ${res.status}`);
  if (res.status < 500 && isContentFilter(e, inner)) {
    const categories = filteredCategories(inner);
    const which = categories.length ? ` (filtered: ${categories.join(', ')})` : '';
    return new GatewayError(
      'content_policy_violation',
      `${WHO}'s content filter refused this request${which}: ${message} Nothing was charged; change the prompt or the images.`,
      { upstreamRequestId },
    );
  }
  // Every 404 from a resource is the route's own fault (endpoint, deployment or api-version), never the request's.
  if ((typeof e.code === 'string' && OPERATOR_CODES.includes(e.code)) || res.status === 404) {
    return new GatewayError(
      'upstream_error',
      `${WHO} cannot serve this route (${e.code ?? `HTTP ${res.status}`}): ${message} The operator must fix the route's endpoint, deployment or api-version.`,
      { retryable: true, upstreamRequestId },
    );
  }
  return openAIError(res, WHO);
}
