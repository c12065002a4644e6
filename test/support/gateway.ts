/**
 * Starts a real gateway on an ephemeral loopback port, as `npm start` would, with a temp data dir and a known
 * admin key; helpers for creating funded accounts and client keys through the admin API.
 */
import pino from 'pino';
import { loadConfig } from '../../src/config/config.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { tempDir } from './databases.js';
import { pollValue } from './wait.js';

export const ADMIN_KEY = 'sk-ig-test-admin-key-0123456789';

export interface TestGateway {
  url: string;
  gateway: Gateway;
  admin(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: any; headers: Headers }>;
  /** A client key for a new account with this balance (micro-units), plus extra key attributes. */
  clientKey(opts?: { balance?: number; attrs?: Record<string, unknown> }): Promise<{ key: string; keyId: string; accountId: string }>;
  /** GET /v1/balance as the key's owner sees it. */
  balance(key: string): Promise<{ available: number; held: number; open_holds: number }>;
  /** The balance once no hold is open: a synchronous answer settles its hold a moment after the client has it. */
  settledBalance(key: string): Promise<{ available: number; held: number; open_holds: number }>;
  /** GET /v1/tasks/{id} as the key's owner sees it. */
  task(key: string, id: string): Promise<any>;
  close(): Promise<void>;
}

export async function startGateway(
  opts: { env?: Record<string, string | undefined>; overlay?: string; databaseUrl?: string; dataDir?: string; consoleDir?: string } = {},
): Promise<TestGateway> {
  const env: Record<string, string | undefined> = {
    HOST: '127.0.0.1',
    PORT: '0',
    IMAGEGATE_DATA_DIR: opts.dataDir ?? tempDir(),
    IMAGEGATE_ADMIN_KEY: ADMIN_KEY,
    IMAGEGATE_LOG_LEVEL: 'silent',
    // Tests close gateways with slow fakes still answering: a short drain keeps them quick.
    IMAGEGATE_SHUTDOWN_GRACE_MS: '2000',
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...opts.env,
  };
  const config = loadConfig(env);
  const gateway = await createGateway(config, { logger: pino({ level: 'silent' }), catalogOverlayText: opts.overlay, consoleDir: opts.consoleDir });
  const address = await gateway.listen();
  const url = address.replace('localhost', '127.0.0.1');
  const balance = async (key: string) =>
    (await (await fetch(`${url}/v1/balance`, { headers: { authorization: `Bearer ${key}` } })).json()) as {
      available: number;
      held: number;
      open_holds: number;
    };

  const admin: TestGateway['admin'] = async (path, init = {}) => {
    const res = await fetch(`${url}${path}`, {
      method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* CSV and other text bodies stay text */
    }
    return { status: res.status, body, headers: res.headers };
  };

  return {
    url,
    gateway,
    admin,
    async clientKey({ balance = 0, attrs = {} } = {}) {
      const acct = await admin('/v1/admin/accounts', { body: { name: 'test', credit: balance } });
      if (acct.status !== 201) throw new Error(`account create failed: ${JSON.stringify(acct.body)}`);
      const key = await admin('/v1/admin/keys', { body: { name: 'test', account_id: acct.body.id, ...attrs } });
      if (key.status !== 201) throw new Error(`key create failed: ${JSON.stringify(key.body)}`);
      return { key: key.body.key as string, keyId: key.body.id as string, accountId: acct.body.id as string };
    },
    balance,
    settledBalance: (key) =>
      pollValue(
        () => balance(key),
        (b) => b.held === 0,
      ),
    task: async (key, id) => (await fetch(`${url}/v1/tasks/${id}`, { headers: { authorization: `Bearer ${key}` } })).json(),
    close: () => gateway.close(),
  };
}

export async function postJson(url: string, key: string | undefined, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, body: json, text, headers: res.headers };
}
