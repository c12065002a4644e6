/** The CLI's HTTP client for the admin API of a running gateway. */

export interface AdminClient {
  get(path: string): Promise<unknown>;
  post(path: string, body: unknown): Promise<unknown>;
  patch(path: string, body: unknown): Promise<unknown>;
  /** A GET whose body may be long (an export): `onBytes` hears the running byte count as it arrives. */
  download(path: string, onBytes: (received: number) => void): Promise<unknown>;
}

/** Where the gateway's URL came from, so that an unreachable one can be traced to its setting. */
export type UrlSource = 'cli' | 'env' | 'default';

export const DEFAULT_PORT = 8787;

export interface AdminClientOptions {
  url: string;
  urlSource: UrlSource;
  adminKey?: string;
}

const URL_ORIGIN: Record<UrlSource, string> = {
  cli: 'from --url',
  env: 'from IMAGEGATE_URL',
  default: `the default; set --url or IMAGEGATE_URL to reach another gateway`,
};

export function adminClient(opts: AdminClientOptions): AdminClient {
  const key = opts.adminKey ?? process.env.IMAGEGATE_ADMIN_KEY;
  if (!key) throw new Error('an admin key is needed: set IMAGEGATE_ADMIN_KEY or pass --admin-key');
  const base = opts.url.replace(/\/+$/, '');
  const send = async (method: string, path: string, body?: unknown) => {
    try {
      return await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
    } catch (e) {
      throw new Error(
        `cannot reach the gateway at ${base} (${URL_ORIGIN[opts.urlSource]}): ${reason(e)}. Is it running (imagegate serve), ` +
          'and is this its address? Pass --url <url> or set IMAGEGATE_URL.',
      );
    }
  };
  const request = async (method: string, path: string, body?: unknown) => {
    const res = await send(method, path, body);
    return answer(res, await res.text());
  };
  return {
    get: (p) => request('GET', p),
    post: (p, b) => request('POST', p, b),
    patch: (p, b) => request('PATCH', p, b),
    download: async (p, onBytes) => {
      const res = await send('GET', p);
      return answer(res, await readCounting(res, onBytes));
    },
  };
}

/** The cause a failed fetch gives (ECONNREFUSED, ENOTFOUND, …) rather than undici's "fetch failed". */
function reason(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e as Error).message;
}

/** The body as JSON when it says so, else text; a refusal becomes an error with the gateway's message. */
function answer(res: Response, text: string): unknown {
  const type = res.headers.get('content-type') ?? '';
  const data: unknown = type.includes('json') ? JSON.parse(text) : text;
  if (!res.ok) {
    const msg = (data as { error?: { message?: string } })?.error?.message ?? text;
    throw new Error(`${res.status}: ${msg}`);
  }
  return data;
}

async function readCounting(res: Response, onBytes: (received: number) => void): Promise<string> {
  if (!res.body) return '';
  const decoder = new TextDecoder();
  let text = '';
  let received = 0;
  for await (const chunk of res.body) {
    received += chunk.byteLength;
    text += decoder.decode(chunk, { stream: true });
    onBytes(received);
  }
  return text + decoder.decode();
}

/** The rows of a paged admin list (`after` cursor, `has_more`), newest first, fetched 200 at a time; at most `max`. */
export async function everyPage(client: AdminClient, path: string, query = new URLSearchParams(), max = Number.POSITIVE_INFINITY): Promise<unknown[]> {
  const rows: unknown[] = [];
  const q = new URLSearchParams(query);
  for (;;) {
    q.set('limit', String(Math.min(200, max - rows.length)));
    const res = (await client.get(`${path}?${q}`)) as { data: unknown[]; has_more: boolean; last_id: string | null };
    rows.push(...res.data);
    if (!res.has_more || !res.last_id || rows.length >= max) return rows;
    q.set('after', res.last_id);
  }
}
