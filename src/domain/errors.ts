/**
 * The one error type that crosses module boundaries. Every failure a client can see is a GatewayError,
 * rendered in the OpenAI shape `{"error": {message, type, param, code}}` by the server.
 */
import { databaseOutage } from './database-outage.js';

export type ErrorCode =
  | 'invalid_request'
  | 'unsupported_field'
  | 'content_policy_violation'
  | 'no_image_generated'
  | 'invalid_api_key'
  | 'invalid_credentials'
  | 'not_signed_in'
  | 'insufficient_balance'
  | 'MODEL_ACCESS_DENIED'
  | 'permission_denied'
  | 'model_not_found'
  | 'not_found'
  | 'idempotency_conflict'
  | 'already_exists'
  | 'already_redeemed'
  | 'request_timeout'
  | 'payload_too_large'
  | 'uri_too_long'
  | 'unsupported_media_type'
  | 'header_fields_too_large'
  | 'rate_limit_exceeded'
  | 'upstream_error'
  | 'upstream_timeout'
  | 'internal_error'
  | 'service_unavailable'
  | 'database_unavailable';

/** The HTTP status of each code: the one table the server answers with and the API document describes. */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  invalid_request: 400,
  unsupported_field: 400,
  content_policy_violation: 400,
  no_image_generated: 400,
  invalid_api_key: 401,
  invalid_credentials: 401,
  not_signed_in: 401,
  insufficient_balance: 402,
  MODEL_ACCESS_DENIED: 403,
  permission_denied: 403,
  model_not_found: 404,
  not_found: 404,
  idempotency_conflict: 409,
  already_exists: 409,
  already_redeemed: 409,
  request_timeout: 408,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  header_fields_too_large: 431,
  rate_limit_exceeded: 429,
  upstream_error: 502,
  upstream_timeout: 504,
  internal_error: 500,
  service_unavailable: 503,
  database_unavailable: 503,
};

const TYPE: Partial<Record<ErrorCode, string>> = {
  invalid_api_key: 'authentication_error',
  invalid_credentials: 'authentication_error',
  not_signed_in: 'authentication_error',
  already_exists: 'invalid_request_error',
  already_redeemed: 'invalid_request_error',
  insufficient_balance: 'billing_error',
  MODEL_ACCESS_DENIED: 'permission_error',
  permission_denied: 'permission_error',
  model_not_found: 'invalid_request_error',
  not_found: 'invalid_request_error',
  rate_limit_exceeded: 'rate_limit_error',
  upstream_error: 'upstream_error',
  upstream_timeout: 'upstream_error',
  internal_error: 'server_error',
  service_unavailable: 'server_error',
  database_unavailable: 'server_error',
};

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string; [extra: string]: unknown };
}

export interface GatewayErrorOptions {
  param?: string | null;
  /** The upstream failure may succeed on another try or another route. */
  retryable?: boolean;
  /** Upstream asked to wait this long before retrying (from Retry-After). */
  retryAfterMs?: number;
  /** Extra fields added to the error object (e.g. needed/available amounts, task_id). */
  details?: Record<string, unknown>;
  /** Extra response headers (e.g. Retry-After). */
  headers?: Record<string, string>;
  upstreamRequestId?: string;
  cause?: unknown;
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly param: string | null;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;
  readonly upstreamRequestId: string | undefined;

  constructor(code: ErrorCode, message: string, opts: GatewayErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.param = opts.param ?? null;
    this.retryable = opts.retryable ?? false;
    this.retryAfterMs = opts.retryAfterMs;
    this.details = opts.details;
    this.headers = opts.headers;
    this.upstreamRequestId = opts.upstreamRequestId;
  }

  get wireCode(): string {
    return wireCode(this.code);
  }

  toBody(): ErrorBody {
    return {
      error: {
        message: this.message,
        type: errorType(this.code),
        param: this.param,
        code: this.wireCode,
        ...(this.details ?? {}),
      },
    };
  }
}

/** The code a client sees: `unsupported_field` is reported as invalid_request, as the seed documents show. */
export const wireCode = (code: ErrorCode): string => (code === 'unsupported_field' ? 'invalid_request' : code);

/** The `type` a client sees for a code. */
export const errorType = (code: ErrorCode): string => TYPE[code] ?? 'invalid_request_error';

export const invalidRequest = (param: string | null, message: string, details?: Record<string, unknown>) =>
  new GatewayError('invalid_request', message, { param, details });

export const unsupportedField = (param: string, message: string) => new GatewayError('unsupported_field', message, { param });

export function isGatewayError(e: unknown): e is GatewayError {
  return e instanceof GatewayError;
}

/** Turn anything thrown into a GatewayError without leaking internals to the client. */
export function toGatewayError(e: unknown): GatewayError {
  if (e instanceof GatewayError) return e;
  const outage = databaseOutage(e);
  if (outage) {
    // The message is ours, not the driver's: driver errors can carry the database's address.
    return new GatewayError(
      'database_unavailable',
      outage === 'unreachable'
        ? 'The database is unreachable, so the request cannot be served. Retry in a few seconds.'
        : 'The database did not answer in time (a lock or statement timeout), so the request was stopped. Retry in a few seconds.',
      {
        cause: e,
        retryable: true,
        retryAfterMs: 1000,
        headers: { 'retry-after': '1' },
      },
    );
  }
  return new GatewayError('internal_error', 'The gateway failed while handling this request; it has been logged.', {
    cause: e,
  });
}
