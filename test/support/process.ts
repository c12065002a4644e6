/** A gateway as a separate OS process (`imagegate serve`), for crash and multi-instance tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ADMIN_KEY } from './gateway.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** `stdout`: where the gateway's log goes (a file descriptor); `stderr: 'pipe'` to read what it says there. */
export async function startGatewayProcess(env: Record<string, string>, port: number, io: { stdout?: number; stderr?: 'pipe' } = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', io.stdout ?? 'ignore', io.stderr ?? (process.env.IMAGEGATE_TEST_DEBUG ? 'inherit' : 'ignore')],
  });
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return child;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('gateway process did not start');
}

/**
 * The environment of a gateway process on `dataDir` (and `databaseUrl` when given), with the catalog overlay
 * written into the data dir and the OpenAI provider pointed at a fake; `extra` adds or overrides variables.
 */
export function processEnv(opts: {
  dataDir: string;
  overlay: string;
  openaiUrl: string;
  databaseUrl?: string;
  extra?: Record<string, string>;
}): Record<string, string> {
  const overlayFile = join(opts.dataDir, 'overlay.yaml');
  writeFileSync(overlayFile, opts.overlay);
  return {
    HOST: '127.0.0.1',
    IMAGEGATE_DATA_DIR: opts.dataDir,
    IMAGEGATE_ADMIN_KEY: ADMIN_KEY,
    IMAGEGATE_CONFIG: overlayFile,
    IMAGEGATE_LOG_LEVEL: 'silent',
    OPENAI_API_KEY: 'sk-fake-openai',
    OPENAI_BASE_URL: `${opts.openaiUrl}/v1`,
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...opts.extra,
  };
}

/** A client key of a new account with `credit` micro-units, made through a running gateway's admin API. */
export async function fundedKey(base: string, name: string, credit: number): Promise<{ key: string; accountId: string }> {
  const admin = async (path: string, body: unknown) =>
    (await (
      await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).json()) as Record<string, string>;
  const account = await admin('/v1/admin/accounts', { name, credit });
  const key = await admin('/v1/admin/keys', { name, account_id: account.id });
  return { key: key.key!, accountId: account.id! };
}

/** The pids of `parent`'s child processes that run the gateway (`serve --processes N`'s workers; tsx's helper is not one). */
export function gatewayChildren(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (ppid === parent && cmd.includes('main.ts')) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids.sort();
}

/** The `process` labels of /metrics over a few fresh connections: which gateway processes answer. */
export async function processesAnswering(base: string): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < 8; i++) {
    const res = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}`, connection: 'close' } }).catch(() => undefined);
    const label = /process="(\d+)"/.exec((await res?.text()) ?? '')?.[1];
    if (label !== undefined) seen.add(label);
  }
  return seen;
}
