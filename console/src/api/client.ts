/**
 * The console's one way to call the gateway: same-origin fetch with the session cookie, JSON in and out, the
 * CSRF token on every mutation, and failures as ApiError carrying the OpenAI error shape's fields.
 */
import type { CSRF_HEADER } from '../../../src/server/console-api.js';

/** Typed by the server's constant, so a rename there fails the console's typecheck (a value import would bundle zod). */
const CSRF: typeof CSRF_HEADER = 'x-csrf-token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
    readonly param: string | null,
    /** The error object's other fields, e.g. a refused top-up code's `reason` and `at`. */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

interface ErrorBody {
  error?: { message?: unknown; code?: unknown; param?: unknown; [field: string]: unknown };
}

let csrfToken: string | null = null;

/** Set from the session view on sign-in and on every session load; cleared on sign-out. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

async function send(method: Method, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers[CSRF] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'The gateway did not answer. Is it running?', null, null);
  }
  if (!res.ok) throw await toError(res);
  return res;
}

async function toError(res: Response): Promise<ApiError> {
  let parsed: ErrorBody | undefined;
  try {
    parsed = (await res.json()) as ErrorBody;
  } catch {
    parsed = undefined;
  }
  const e = parsed?.error;
  const text = (v: unknown) => (typeof v === 'string' && v ? v : null);
  return new ApiError(res.status, text(e?.message) ?? `The gateway answered ${res.status} ${res.statusText}.`, text(e?.code), text(e?.param), e ?? {});
}

export async function getJson<T>(path: string): Promise<T> {
  return (await (await send('GET', path)).json()) as T;
}

export async function sendJson<T>(method: Exclude<Method, 'GET'>, path: string, body?: unknown): Promise<T> {
  const res = await send(method, path, body ?? {});
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** Fetches a text export (CSV) and hands it to the browser as a download. */
export async function download(path: string, filename: string): Promise<void> {
  const blob = await (await send('GET', path)).blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A path with its query string, leaving out empty values. */
export function withQuery(path: string, query: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** A check the console makes before sending, shown like the gateway's own errors with the field named. */
export function fieldError(param: string, message: string): ApiError {
  return new ApiError(0, message, 'invalid_request', param);
}
