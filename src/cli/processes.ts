/**
 * `imagegate serve` with several processes (IMAGEGATE_PROCESSES / `--processes`): a primary that serves nothing
 * itself and N gateway workers on one port (each accepts connections from the one listening socket). The
 * workers share the database, the blob store and, with REDIS_URL, the limits, exactly as several instances
 * do. The first worker starts alone, so migrations and the first-start admin key happen once; a worker that
 * dies is replaced; SIGTERM or SIGINT drains them all, a second one stops them at once.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { type ChangeNotice, isChangeNotice } from '../store/sibling-change-feed.js';

/** What the primary tells a worker. Workers ignore signals sent to the whole process group twice. */
export type PrimaryMessage = { imagegate: 'drain' } | { imagegate: 'stop-now' };

export function isPrimaryMessage(m: unknown): m is PrimaryMessage {
  const v = (m as { imagegate?: unknown } | null)?.imagegate;
  return v === 'drain' || v === 'stop-now';
}

/** A worker that dies sooner than this after it started is crash-looping: its replacement waits. */
const QUICK_DEATH_MS = 10_000;
const MAX_RESTART_DELAY_MS = 30_000;

export interface PrimarySettings {
  /** Gateway processes to run. */
  count: number;
  /** Where the rate limits live: without it each process keeps its own, and a key's limits multiply. */
  redisUrl?: string;
  /** PostgreSQL; without it the processes share one SQLite file, and their writes wait on each other. */
  databaseUrl?: string;
}

export async function runPrimary({ count, redisUrl, databaseUrl }: PrimarySettings, log: Logger): Promise<void> {
  if (!databaseUrl) {
    // SQLite lets one connection write at a time, and one that waits for another process's write sleeps
    // with its event loop blocked: measured slower than one process on small requests (docs/performance.md).
    log.warn(
      { processes: count },
      'DATABASE_URL is not set: the processes share one SQLite file and their writes wait on each other; use PostgreSQL for more throughput from several processes',
    );
  }
  if (!redisUrl) {
    log.warn(
      { processes: count },
      'REDIS_URL is not set: each gateway process keeps its own rate limits and concurrency counts, so a key may use up to this many times its limits',
    );
  }
  // Each process accepts its own connections from the shared listening socket (SCHED_NONE) rather than the
  // primary accepting them all and handing each over (SCHED_RR): a connection handed to a process in the
  // instant it dies is never answered, and every new connection costs the primary a round trip
  // (docs/performance.md, "Several processes"). NODE_CLUSTER_SCHED_POLICY=rr brings Node's default back.
  if (!process.env.NODE_CLUSTER_SCHED_POLICY) cluster.schedulingPolicy = cluster.SCHED_NONE;
  const workers = new Set<Worker>();
  /**
   * Workers that have started listening. One still starting is loading the gateway's modules, and a message
   * sent to it then is lost (nothing listens for it yet): it is told to drain once it listens.
   */
  const listening = new WeakSet<Worker>();
  let stopping = false;
  let quickDeaths = 0;

  /** Starts gateway process `index`, unless the primary is stopping: one started then would never hear the drain. */
  const fork = (index: number): Promise<Worker | undefined> => {
    if (stopping) return Promise.resolve(undefined);
    const startedAt = Date.now();
    const worker = cluster.fork({ IMAGEGATE_PROCESSES: String(count), IMAGEGATE_PROCESS_INDEX: String(index) });
    workers.add(worker);
    // A change one process made to a row the others cache (a key revoked) reaches them through here.
    worker.on('message', (m: unknown) => {
      if (!isChangeNotice(m)) return;
      for (const w of workers) if (w !== worker && listening.has(w)) tell(w, m);
    });
    worker.on('exit', (code, signal) => {
      workers.delete(worker);
      if (stopping) {
        if (workers.size === 0) process.exit(0);
        return;
      }
      quickDeaths = Date.now() - startedAt < QUICK_DEATH_MS ? quickDeaths + 1 : 0;
      const delay = quickDeaths === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 500 * 2 ** quickDeaths);
      log.error({ pid: worker.process.pid, code, signal, restart_in_ms: delay }, 'a gateway process died: starting another');
      setTimeout(() => fork(index).catch((err: unknown) => log.error({ err }, 'a replacement gateway process failed to start')), delay).unref();
    });
    return new Promise((resolve, reject) => {
      worker.once('listening', () => {
        listening.add(worker);
        if (stopping) tell(worker, { imagegate: 'drain' });
        resolve(worker);
      });
      worker.once('exit', (code) => (stopping ? resolve(undefined) : reject(new StartFailed(index, code))));
    });
  };

  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'stopping every gateway process at once');
      for (const w of workers) tell(w, { imagegate: 'stop-now' });
      setTimeout(() => process.exit(1), 2_000).unref();
      return;
    }
    stopping = true;
    log.info({ signal, processes: workers.size }, 'draining every gateway process');
    if (workers.size === 0) process.exit(0);
    for (const w of workers) if (listening.has(w)) tell(w, { imagegate: 'drain' });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  try {
    // The first alone: it migrates the database and makes the admin key on a first start. One that cannot
    // start ends the start (a configuration error would fail them all); the others are replaced like any
    // process that dies, by the exit handler.
    await fork(0);
    await Promise.all(Array.from({ length: count - 1 }, (_, i) => fork(i + 1).catch(() => undefined)));
  } catch (e) {
    log.error({ err: e }, 'imagegate could not start its processes');
    stopping = true;
    for (const w of workers) w.process.kill('SIGKILL');
    // The first process's own status (a configuration error, a schema this version cannot serve), so that
    // scripts and service managers act on it as they would on one process (cli/exit-codes.ts).
    process.exit(e instanceof StartFailed && e.code ? e.code : 1);
  }
  if (!stopping) log.info({ processes: count, pid: process.pid }, 'imagegate serving with several processes on one port');
}

/** A gateway process that exited before it listened, with its exit status. */
class StartFailed extends Error {
  constructor(
    index: number,
    readonly code: number | null,
  ) {
    super(`gateway process ${index} exited with code ${code} before it listened`);
  }
}

/** A worker whose channel just closed is about to exit (and be counted then): what it misses no longer matters. */
function tell(worker: Worker, message: PrimaryMessage | ChangeNotice): void {
  if (worker.isConnected()) worker.send(message, undefined, () => {});
}
