/**
 * One call to a credentials endpoint (STS, the container agent, instance metadata) over undici, retried on
 * a connection failure, a timeout or a 5xx, as the AWS SDKs retry them.
 */
import { type Dispatcher, request } from 'undici';

export interface CallOptions {
  method?: 'GET' | 'PUT' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  attempts: number;
  dispatcher?: Dispatcher;
}

export interface HttpAnswer {
  status: number;
  text: string;
}

const RETRY_PAUSE_MS = 100;

export async function callEndpoint(url: URL, o: CallOptions): Promise<HttpAnswer> {
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= o.attempts;
    try {
      const res = await request(url, {
        method: o.method ?? 'GET',
        headers: o.headers,
        body: o.body,
        dispatcher: o.dispatcher,
        headersTimeout: o.timeoutMs,
        bodyTimeout: o.timeoutMs,
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      const text = await res.body.text();
      if (last || res.statusCode < 500) return { status: res.statusCode, text };
    } catch (err) {
      if (last) throw err;
    }
    await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS * 2 ** (attempt - 1)));
  }
}

/** Why a call got no answer, in words that carry no part of the request. */
export function failureOf(err: unknown): string {
  const e = err as { name?: string; code?: string };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.code === 'UND_ERR_HEADERS_TIMEOUT') return 'no answer in time';
  return e?.code ?? e?.name ?? 'connection failed';
}
