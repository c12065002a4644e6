/**
 * Credentials out of upstream text before it reaches a client, a log or a task row. Two layers: the exact
 * key the gateway sent on the route (whatever its shape: Ark's are UUIDs, which no prefix pattern catches),
 * applied to every error an adapter throws (withCredentialRedaction); and patterns for key-like strings,
 * applied where an adapter quotes an upstream message (redact).
 */
import { GatewayError } from '../domain/errors.js';
import type { CallContext, ProviderAdapter, Route } from '../domain/adapter.js';
import type { ImageJob, ImageResult } from '../domain/job.js';

const MAX_MESSAGE = 500;
/** Shorter "keys" (test placeholders) would blank out ordinary words. */
const MIN_SECRET_LENGTH = 8;
const KEY_LIKE = /(sk|pk|key|AIza)[-_A-Za-z0-9]{12,}/g;
const BEARER = /Bearer\s+\S+/gi;

function withoutSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= MIN_SECRET_LENGTH && out.includes(s)) out = out.split(s).join('[redacted]');
  return out;
}

/** An upstream message made fit to show: known secrets and key-like strings removed, length capped. */
export function redact(message: string, secrets: readonly string[] = []): string {
  return withoutSecrets(message, secrets).replace(KEY_LIKE, '[redacted]').replace(BEARER, 'Bearer [redacted]').slice(0, MAX_MESSAGE);
}

function redactValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return withoutSecrets(value, secrets);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, secrets)]));
  return value;
}

const mentions = (value: unknown, secrets: readonly string[]) => {
  const text = typeof value === 'string' ? value : value instanceof Error ? `${value.message}\n${value.stack ?? ''}` : JSON.stringify(value ?? null);
  return secrets.some((s) => s.length >= MIN_SECRET_LENGTH && text.includes(s));
};

/** The error an adapter threw, with `secrets` removed from its message, details and cause (which is logged). */
export function redactError(e: unknown, secrets: readonly string[]): unknown {
  if (!(e instanceof GatewayError)) return mentions(e, secrets) && e instanceof Error ? new Error(withoutSecrets(e.message, secrets)) : e;
  if (!mentions(e.message, secrets) && !mentions(e.details, secrets) && !mentions(e.cause, secrets)) return e;
  return new GatewayError(e.code, withoutSecrets(e.message, secrets), {
    param: e.param,
    retryable: e.retryable,
    retryAfterMs: e.retryAfterMs,
    details: e.details && (redactValue(e.details, secrets) as Record<string, unknown>),
    headers: e.headers,
    upstreamRequestId: e.upstreamRequestId,
    cause: e.cause === undefined ? undefined : redactError(e.cause, secrets),
  });
}

/** The same adapters, every failure of theirs cleaned of the key of the route it was called on. */
export function withCredentialRedaction(adapters: ReadonlyMap<string, ProviderAdapter>): Map<string, ProviderAdapter> {
  const clean = <T>(route: Route, work: () => Promise<T>): Promise<T> =>
    work().catch((e: unknown) => {
      throw redactError(e, [route.apiKey]);
    });
  const wrap = (a: ProviderAdapter): ProviderAdapter => {
    const { resume, cancel, validate, checkRoute, queueDepth } = a;
    return {
      name: a.name,
      ...(checkRoute ? { checkRoute: (route: Route) => checkRoute.call(a, route) } : {}),
      ...(validate ? { validate: (job: ImageJob, route: Route) => validate.call(a, job, route) } : {}),
      generate: (job: ImageJob, route: Route, ctx: CallContext): Promise<ImageResult> => clean(route, () => a.generate(job, route, ctx)),
      ...(resume ? { resume: (id: string, job: ImageJob, route: Route, ctx: CallContext) => clean(route, () => resume.call(a, id, job, route, ctx)) } : {}),
      ...(cancel ? { cancel: (id: string, route: Route, signal: AbortSignal) => clean(route, () => cancel.call(a, id, route, signal)) } : {}),
      ...(queueDepth ? { queueDepth: (route: Route, signal: AbortSignal) => clean(route, () => queueDepth.call(a, route, signal)) } : {}),
    };
  };
  return new Map([...adapters].map(([name, a]) => [name, wrap(a)]));
}
