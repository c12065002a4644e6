/** The CLI's HTTP client for the admin API. */
export interface AdminClient {
  get(path: string): Promise<unknown>;
  post(path: string, body: unknown): Promise<unknown>;
  patch(path: string, body: unknown): Promise<unknown>;
}

export function adminClient(opts: { url: string; adminKey?: string }): AdminClient {
  const key = opts.adminKey ?? process.env.IMAGEGATE_ADMIN_KEY;
  if (!key) throw new Error('an admin key is needed: set IMAGEGATE_ADMIN_KEY or pass --admin-key');
  const base = opts.url.replace(/\/+$/, '');
  const call = async (method: string, path: string, body?: unknown) => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
    } catch (e) {
      throw new Error(`cannot reach the gateway at ${base} (${(e as Error).message}); is it running? (imagegate serve)`);
    }
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    const data: unknown = type.includes('json') ? JSON.parse(text) : text;
    if (!res.ok) {
      const msg = (data as { error?: { message?: string } })?.error?.message ?? text;
      throw new Error(`${res.status}: ${msg}`);
    }
    return data;
  };
  return { get: (p) => call('GET', p), post: (p, b) => call('POST', p, b), patch: (p, b) => call('PATCH', p, b) };
}

/** Every row of a paged admin list (`after` cursor, `has_more`), fetched 200 at a time. */
export async function everyPage(client: AdminClient, path: string, query = new URLSearchParams()): Promise<unknown[]> {
  const rows: unknown[] = [];
  const q = new URLSearchParams(query);
  q.set('limit', '200');
  for (;;) {
    const res = (await client.get(`${path}?${q}`)) as { data: unknown[]; has_more: boolean; last_id: string | null };
    rows.push(...res.data);
    if (!res.has_more || !res.last_id) return rows;
    q.set('after', res.last_id);
  }
}

export function printResult(data: unknown, json: boolean): void {
  if (json || typeof data !== 'object' || data === null) {
    console.log(typeof data === 'string' ? data : JSON.stringify(data, null, 2));
    return;
  }
  const list = (data as { data?: unknown[] }).data;
  if (Array.isArray(list) && list.every((r) => typeof r === 'object' && r !== null)) {
    const rows = list as Array<Record<string, unknown>>;
    if (rows.length === 0) {
      console.log('(none)');
      return;
    }
    const flat = rows.map((r) =>
      Object.fromEntries(
        Object.entries(r)
          .filter(([, v]) => typeof v !== 'object' || v === null || Array.isArray(v))
          .map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v ?? '')]),
      ),
    );
    console.table(flat);
    return;
  }
  console.log(JSON.stringify(data, null, 2));
}
