/**
 * A gateway process killed (SIGKILL) while an async task follows an upstream job, and a new process on the
 * same database: what the restart tests of each asynchronous provider share. The caller says how to tell
 * the job was submitted and its handle persisted, and how to let the job finish after the kill.
 */
import type { ChildProcess } from 'node:child_process';
import type { TestDatabase } from './databases.js';
import { ADMIN_KEY } from './gateway.js';
import { freePort, fundedKey, startGatewayProcess } from './process.js';
import { pollValue } from './wait.js';

export interface KilledMidJob {
  /** The task as the new process reports it once it ended. */
  task: { status: string; progress: number | null; data?: Array<{ url: string }> };
  /** The account's balance once the task ended: what was charged, and what is still held. */
  balance: { available: number; held: number };
  start: number;
}

export async function killMidJob(opts: {
  db: TestDatabase;
  /** The provider's credentials and base URL variables. */
  env: Record<string, string>;
  body: Record<string, unknown>;
  /** True once the upstream job was submitted and looked at (so its handle was persisted). */
  followed: () => boolean;
  /** Lets the held upstream job finish. */
  release: () => void;
}): Promise<KilledMidJob> {
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    IMAGEGATE_DATA_DIR: opts.db.dataDir,
    IMAGEGATE_ADMIN_KEY: ADMIN_KEY,
    IMAGEGATE_LOG_LEVEL: 'silent',
    IMAGEGATE_TASK_LEASE_MS: '1500',
    IMAGEGATE_INSTANCE_STALE_MS: '1500',
    ...(opts.db.databaseUrl ? { DATABASE_URL: opts.db.databaseUrl } : {}),
    ...opts.env,
  };
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined = await startGatewayProcess(env, port);
  try {
    const start = 10_000_000;
    const { key } = await fundedKey(base, 'killed-mid-job', start);
    const auth = { authorization: `Bearer ${key}` };
    const res = await fetch(`${base}/v1/images/generations`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', prefer: 'respond-async' },
      body: JSON.stringify(opts.body),
    });
    const { id } = (await res.json()) as { id: string };
    await pollValue(async () => opts.followed(), Boolean, 20_000);
    if (!opts.followed()) throw new Error('the upstream job was never followed');
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    opts.release();
    // Past the dead process's lease, so the new one takes the task over at once.
    await new Promise((r) => setTimeout(r, 1600));
    child = await startGatewayProcess(env, port);
    const task = await pollValue(
      async () => (await (await fetch(`${base}/v1/tasks/${id}`, { headers: auth })).json()) as KilledMidJob['task'],
      (t) => !['pending', 'running'].includes(t.status),
      30_000,
    );
    const balance = (await (await fetch(`${base}/v1/balance`, { headers: auth })).json()) as KilledMidJob['balance'];
    return { task, balance, start };
  } finally {
    child?.kill('SIGKILL');
  }
}
