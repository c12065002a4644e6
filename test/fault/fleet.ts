/**
 * Two gateway processes serving one deployment, as an operator runs them: one PostgreSQL database, one Redis,
 * one S3-compatible bucket, the same admin key, signing secret and public settings. Each can be signalled,
 * killed and started again; a process that exits without having been told to is recorded, because "no
 * gateway died except the one killed" is one of the fault suite's invariants.
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, createWriteStream, openSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_KEY } from '../support/gateway.js';
import { overlayOf, openaiImageModel } from '../support/overlays.js';
import { freePort, processEnv, startGatewayProcess } from '../support/process.js';

export const PRICE = 1000;

export interface FleetOptions {
  databaseUrl: string;
  redisUrl: string;
  s3: { endpoint: string; bucket: string; accessKeyId: string; secretAccessKey: string };
  openaiUrl: string;
  dataDir: string;
  /** Gateway processes per member (`serve --processes N`); 1 by default. */
  processes?: number;
}

export interface Member {
  index: number;
  url: string;
  port: number;
  child: ChildProcess | undefined;
}

export interface UnexpectedExit {
  index: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class Fleet {
  readonly members: Member[] = [];
  /** Processes that exited while nobody had asked them to. */
  readonly unexpectedExits: UnexpectedExit[] = [];
  private readonly expected = new WeakSet<ChildProcess>();
  private readonly env: Record<string, string>;

  constructor(private readonly opts: FleetOptions) {
    this.env = processEnv({
      dataDir: opts.dataDir,
      databaseUrl: opts.databaseUrl,
      overlay: overlayOf(openaiImageModel('fault-image', PRICE, { maxN: 2 })),
      openaiUrl: opts.openaiUrl,
      extra: {
        IMAGEGATE_SIGNING_SECRET: 'fault-suite-signing-secret-0123456789',
        IMAGEGATE_LOG_LEVEL: 'info',
        IMAGEGATE_TASK_LEASE_MS: '1500',
        IMAGEGATE_INSTANCE_STALE_MS: '1500',
        IMAGEGATE_HOLD_SWEEP_SECONDS: '1',
        IMAGEGATE_WORKERS: '16',
        IMAGEGATE_ACCOUNT_WORKERS: '16',
        IMAGEGATE_SHUTDOWN_GRACE_MS: '8000',
        IMAGEGATE_DB_POOL_SIZE: '10',
        IMAGEGATE_DB_IDLE_TX_TIMEOUT_MS: '2000',
        IMAGEGATE_DB_LOCK_TIMEOUT_MS: '2000',
        REDIS_URL: opts.redisUrl,
        IMAGEGATE_S3_BUCKET: opts.s3.bucket,
        AWS_ENDPOINT_URL_S3: opts.s3.endpoint,
        AWS_ACCESS_KEY_ID: opts.s3.accessKeyId,
        AWS_SECRET_ACCESS_KEY: opts.s3.secretAccessKey,
        AWS_REGION: 'us-east-1',
        IMAGEGATE_PROCESSES: String(opts.processes ?? 1),
      },
    });
  }

  async start(count = 2): Promise<void> {
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      this.members.push({ index: i, port, url: `http://127.0.0.1:${port}`, child: undefined });
    }
    // Started together, as a deployment's instances are: the first start's bootstrap races on purpose.
    await Promise.all(this.members.map((m) => this.launch(m)));
  }

  private async launch(m: Member): Promise<void> {
    // Each member's log lines go to a file of its own in the data dir, to read after a failed run.
    const log = openSync(join(this.opts.dataDir, `gateway-${m.index}.log`), 'a');
    const child = await startGatewayProcess(this.env, m.port, { stdout: log, stderr: 'pipe' });
    closeSync(log);
    child.stderr?.pipe(createWriteStream(join(this.opts.dataDir, `gateway-${m.index}.stderr`), { flags: 'a' }));
    child.once('exit', (code, signal) => {
      if (!this.expected.has(child)) this.unexpectedExits.push({ index: m.index, code, signal });
    });
    m.child = child;
  }

  /** Sends a signal that ends the process (SIGKILL, SIGTERM) and waits for it to exit. */
  async stop(i: number, signal: 'SIGKILL' | 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const child = this.members[i]!.child!;
    this.expected.add(child);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, sig) => resolve({ code, signal: sig })),
    );
    child.kill(signal);
    const out = await exited;
    this.members[i]!.child = undefined;
    return out;
  }

  signal(i: number, signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.members[i]!.child!.kill(signal);
  }

  async restart(i: number): Promise<void> {
    await this.launch(this.members[i]!);
  }

  /** A member that is up, for requests made while another is down. */
  live(): Member[] {
    return this.members.filter((m) => m.child);
  }

  async close(): Promise<void> {
    await Promise.all(this.members.filter((m) => m.child).map((m) => this.stop(m.index, 'SIGKILL')));
  }

  async admin<T = Record<string, unknown>>(path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.live()[0]!.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`admin ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
}
