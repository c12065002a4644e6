/** Console sign-in from a test: sessions as a browser holds them (the cookie and the CSRF token). */
import type { ConsoleSessionView } from '../../src/server/console-api.js';
import { ADMIN_KEY, type TestGateway } from './gateway.js';

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

export interface BrowserSession {
  cookie: string;
  /** The whole Set-Cookie header of the sign-in. */
  setCookie: string;
  view: ConsoleSessionView;
  /** A request with the session cookie; mutations carry the CSRF token unless `csrf` says otherwise. */
  call(path: string, init?: { method?: string; body?: unknown; csrf?: string | null; headers?: Record<string, string> }): Promise<Answer>;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* empty or text bodies stay text */
  }
  return { status: res.status, body, headers: res.headers };
}

export async function signInRaw(gw: Pick<TestGateway, 'url'>, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${gw.url}/v1/console/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return answer(res);
}

/** Signs in (email and password, or the admin key) and fails the test unless it worked. */
export async function signIn(
  gw: Pick<TestGateway, 'url'>,
  body: { email: string; password: string } | { admin_key: string } = { admin_key: ADMIN_KEY },
): Promise<BrowserSession> {
  const r = await signInRaw(gw, 'admin_key' in body ? { admin_key: body.admin_key } : { email: body.email, password: body.password });
  if (r.status !== 200) throw new Error(`sign-in failed: ${r.status} ${JSON.stringify(r.body)}`);
  const setCookie = r.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0]!;
  const view = r.body as ConsoleSessionView;
  return {
    cookie,
    setCookie,
    view,
    async call(path, init = {}) {
      const method = init.method ?? (init.body !== undefined ? 'POST' : 'GET');
      const csrf = init.csrf === undefined ? view.csrf_token : init.csrf;
      const res = await fetch(`${gw.url}${path}`, {
        method,
        headers: {
          cookie,
          ...(csrf !== null && method !== 'GET' && method !== 'HEAD' ? { 'x-csrf-token': csrf } : {}),
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...init.headers,
        },
        body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      });
      return answer(res);
    },
  };
}

/** A console user made through the admin API with the admin key. */
export async function makeUser(
  gw: Pick<TestGateway, 'admin'>,
  u: { email: string; password?: string; role: 'operator' | 'member'; account_id?: string },
): Promise<{ id: string; email: string; password: string }> {
  const password = u.password ?? 'correct horse battery staple';
  const r = await gw.admin('/v1/admin/users', { body: { ...u, password } });
  if (r.status !== 201) throw new Error(`user create failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { id: r.body.id as string, email: u.email, password };
}
