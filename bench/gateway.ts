/**
 * What the bench scripts share: the fake upstream as a child process, and imagegate started as `npm start`
 * starts it (V8 flags and allocator setting of package.json), waited for, with a funded client key.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ADMIN = 'sk-ig-bench-admin-key-000000000000';
export const root = new URL('..', import.meta.url).pathname;
/** The node flags of `npm start` (package.json). */
export const GATEWAY_NODE_FLAGS = ['--no-memory-reducer', '--max-semi-space-size=4', '--heap-growing-percent=200', '--v8-pool-size=1'];

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** CPU time (user + system) the processes have used so far, in ms; a process that has exited counts nothing. */
export function cpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // utime and stime, fields 14 and 15 of proc(5), after the command name (which may hold spaces).
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  // Clock ticks, 100 per second on Linux.
  return ticks * 10;
}

/** Resolves once `url` answers at all; throws after `ms`. */
export async function waitFor(url: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      await fetch(url);
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`${url} did not come up`);
}

/** The fake OpenAI upstream (bench/upstream.ts) on `port`, once it listens. */
export function startUpstream(port: number, kind: string, delayMs = 0): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/upstream.ts'), String(port), kind, String(delayMs)], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve) => child.once('message', () => resolve(child)));
}

/** The environment of a gateway as in production (SQLite, auth, billing, request log) in front of the fake. */
export function gatewayEnv(port: number, dataDir: string, upstreamPort: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    MALLOC_MMAP_THRESHOLD_: '1048576',
    PORT: String(port),
    HOST: '127.0.0.1',
    IMAGEGATE_DATA_DIR: dataDir,
    IMAGEGATE_ADMIN_KEY: ADMIN,
    IMAGEGATE_LOG_LEVEL: 'warn',
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: `http://127.0.0.1:${upstreamPort}/v1`,
  };
}

/** A key of a new account with ample credit, made through the admin API. */
export async function clientKey(port: number): Promise<string> {
  const call = async (path: string, body: unknown) =>
    (await (
      await fetch(`http://127.0.0.1:${port}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).json()) as Record<string, string>;
  const acct = await call('/v1/admin/accounts', { name: 'bench', credit: 1e15 });
  return (await call('/v1/admin/keys', { name: 'bench', account_id: acct.id })).key!;
}
