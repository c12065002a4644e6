/**
 * The composition root: builds every part from the configuration and wires them together. Nothing else
 * constructs long-lived objects.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pino, { type Logger } from 'pino';
import { Accounts } from './billing/accounts.js';
import { Hold } from './billing/hold.js';
import { Ledger } from './billing/ledger.js';
import { Catalog } from './catalog/catalog.js';
import { loadCatalogData } from './catalog/load.js';
import type { GatewayConfig } from './config/config.js';
import { CircuitBreakers } from './pipeline/dispatch.js';
import { QueueDepths } from './pipeline/queue-depths.js';
import type { Billing, PipelineDeps } from './pipeline/pipeline.js';
import { decodeSlots } from './media/decode-slots.js';
import { createInputLoader } from './pipeline/inputs.js';
import { createLimitsGate } from './pipeline/limits-gate.js';
import { DEFAULT_MAX_CONCURRENCY, ProviderSlots, withProviderSlots } from './pipeline/provider-slots.js';
import { createRateLimiter, type RateLimiter } from './limits/index.js';
import { checkRouteSettings, createProviderRegistry } from './providers/registry.js';
import { buildServer, type Server } from './server/app.js';
import { drainServer } from './server/drain.js';
import { GatewayMetrics } from './server/metrics.js';
import { Readiness } from './server/readiness.js';
import { stdoutLogDestination } from './server/log-output.js';
import { renderTask } from './server/task-object.js';
import { type BlobStore, LocalBlobStore } from './store/blobs.js';
import { bootstrap } from './store/bootstrap.js';
import { openDatabase, type Db } from './store/db.js';
import { Instances } from './store/instances.js';
import { KeyStore } from './store/keys.js';
import { RequestLog } from './store/request-log.js';
import { S3BlobStore } from './store/s3/store.js';
import { UrlSigner } from './store/signed-url.js';
import { FileStore } from './store/files.js';
import { IdempotencyStore } from './server/idempotency/store.js';
import { TaskService } from './tasks/service.js';
import { TaskStore } from './tasks/store.js';
import { WebhookDispatcher } from './tasks/webhooks.js';

/**
 * Connections the kernel may hold for the gateway before it accepts them (capped by net.core.somaxconn). Node's
 * 511 overflowed when thousands of clients connected in one instant, and connections past it were reset or
 * retried their SYN seconds later (docs/performance.md, "Thousands of requests in flight").
 */
const LISTEN_BACKLOG = 4096;

export interface Gateway {
  config: GatewayConfig;
  log: Logger;
  db: Db;
  catalog: Catalog;
  keys: KeyStore;
  accounts: Accounts;
  ledger: Ledger;
  limiter: RateLimiter;
  requestLog: RequestLog;
  pipeline: PipelineDeps;
  tasks: TaskService;
  taskStore: TaskStore;
  server: Server;
  /** What /readyz answers; stopping calls its startDraining() first. */
  readiness: Readiness;
  /** This process's id as the owner of holds and task leases. */
  instanceId: string;
  /** The admin key, when this start created it (print once). */
  createdAdminKey?: string;
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface GatewayOptions {
  logger?: Logger;
  /** Inline catalog overlay YAML (tests), instead of IMAGEGATE_CONFIG. */
  catalogOverlayText?: string;
  /** The built console to serve at /console/, instead of dist/console/ (tests). */
  consoleDir?: string;
}

export async function createGateway(config: GatewayConfig, opts: GatewayOptions = {}): Promise<Gateway> {
  const log =
    opts.logger ??
    pino({ level: config.logLevel, base: processLabel(config), redact: ['req.headers.authorization', 'req.headers["x-api-key"]'] }, stdoutLogDestination());
  decodeSlots.resize(config.decodeConcurrency);
  const catalog = new Catalog(loadCatalogData({ overlayFile: config.catalogOverlay, overlayText: opts.catalogOverlayText }), config.env, {
    defaultModel: config.defaultModel,
  });
  const providers = createProviderRegistry(config);
  checkRouteSettings(providers, catalog);
  // Before anything is opened: a start without S3 credentials stops here, saying what it tried.
  const s3Blobs = config.s3 ? await openS3BlobStore(config.s3, log) : undefined;
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    postgres: config.postgres,
    schema: config.autoMigrate ? 'upgrade' : 'require-current',
    onConnectionLost: (err) =>
      log.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'a database connection broke; it is replaced on next use'),
    onBackgroundError: (err) => log.error({ err }, 'the WAL checkpoint thread stopped; the database checkpoints on the request path from now on'),
    onCheckpointThread: (slowCommitMs) =>
      log.info(
        { slow_commit_ms_per_s: Math.round(slowCommitMs) },
        'WAL checkpoints moved to their own thread: checkpoints were slowing COMMITs on the event loop',
      ),
  });
  const keys = new KeyStore(db);
  const ledger = new Ledger(db, catalog.currency);
  const accounts = new Accounts(db, ledger);
  const boot = await bootstrap(db, keys, { adminKey: config.adminKey, signingSecret: config.signingSecret });
  const instanceId = `inst_${randomBytes(8).toString('hex')}`;
  const limiter = await createRateLimiter({ redisUrl: config.redisUrl, keyPrefix: 'imagegate:' });
  const blobs: BlobStore = s3Blobs ?? new LocalBlobStore(config.dataDir);
  const signer = new UrlSigner(boot.signingSecret, config.publicUrl);
  const files = new FileStore(db, blobs, config.files.perAccount);
  const requestLog = new RequestLog(db.kysely, log, config.requestLog);

  const billing: Billing = {
    currency: catalog.currency,
    transact: db.transact,
    async hold(principal, job, amount, { owner, alongside } = {}) {
      const record = await ledger.hold({
        accountId: principal.accountId,
        keyId: principal.key.id,
        requestId: job.requestId,
        model: job.model,
        amount,
        owner: owner ?? instanceId,
        caps: { day: principal.key.spendCapDay, month: principal.key.spendCapMonth },
        alongside,
      });
      return new Hold(ledger, record);
    },
  };

  const metrics = new GatewayMetrics(db.kysely, catalog.currency, processLabel(config));
  // Every upstream job runs inside a slot of its provider's `max_concurrency` (per process): the one cap on
  // upstream calls in flight, since the connection pool grows to match (providers/http.ts).
  const slots = new ProviderSlots((p) => catalog.provider(p)?.max_concurrency ?? DEFAULT_MAX_CONCURRENCY, metrics.slotWaited);
  metrics.trackSlots(() => slots.snapshot());
  const pipeline: PipelineDeps = {
    config,
    catalog,
    adapters: withProviderSlots(providers, slots),
    breakers: new CircuitBreakers(),
    queueDepths: new QueueDepths(),
    billing,
    limits: createLimitsGate(limiter),
    inputs: createInputLoader(config, files),
    blobs,
    signer,
    onUpstreamAttempt: metrics.upstreamAttempt,
  };

  const taskStore = new TaskStore(db);
  const tasks = new TaskService({
    store: taskStore,
    pipeline,
    ledger,
    keys,
    log,
    instanceId,
    workers: config.workers,
    accountWorkers: config.accountWorkers,
    leaseMs: config.taskLeaseMs,
    onTaskSucceeded: (_row, delivery) => metrics.taskSucceeded(delivery),
  });

  // Holds left open by processes that died are refunded at start and periodically. SQLite serves one
  // process, so at start every other owner is dead; on a shared PostgreSQL, liveness comes from heartbeats.
  const instances = new Instances(db.kysely, instanceId, config.instanceStaleMs, db.dialect === 'sqlite');
  await instances.beat();
  const sweepHolds = async () => {
    const n = await ledger.sweep({ liveOwners: await instances.liveOwners(), maxAgeMs: config.holdMaxAgeSeconds * 1000 });
    if (n) log.warn({ released: n }, 'refunded holds left open by a stopped process');
    // A hold owned by a task is closed with the task's outcome, in one transaction; one whose task is gone or
    // finished was left by an older version that wrote them apart (a crash in between): it is refunded.
    for (const t of await taskStore.orphanedHolds()) await ledger.refund(t.hold_id, `task ${t.task_id} is gone or finished without settling`);
  };
  await sweepHolds();
  const timers = [
    setInterval(() => void instances.beat().catch((err) => log.error({ err }, 'heartbeat failed')), Math.max(200, config.instanceStaleMs / 6)),
    setInterval(() => void sweepHolds().catch((err) => log.error({ err }, 'hold sweep failed')), config.holdSweepSeconds * 1000),
    setInterval(() => void blobs.sweep().catch((err) => log.error({ err }, 'blob sweep failed')), 10 * 60 * 1000),
    // Expired files' rows; their bytes go with the blob sweep above, as their blobs expire with them.
    setInterval(() => void files.sweep().catch((err) => log.error({ err }, 'file sweep failed')), 10 * 60 * 1000),
  ];
  for (const t of timers) t.unref();

  const idempotency = new IdempotencyStore(db.kysely, { id: instanceId, liveOwners: () => instances.liveOwners() });
  const readiness = new Readiness({
    database: async () => {
      await sql`select 1`.execute(db.kysely);
    },
    ...(config.redisUrl ? { redis: () => limiter.check() } : {}),
    blobs: () => blobs.check(),
  });
  const server = await buildServer({
    config,
    log,
    catalog,
    keys,
    accounts,
    ledger,
    requestLog,
    pipeline,
    blobs,
    signer,
    files,
    db,
    tasks,
    taskStore,
    metrics,
    idempotency,
    readiness,
    limiter,
    consoleDir: opts.consoleDir,
  });
  tasks.start();
  const webhooks = new WebhookDispatcher(taskStore, keys, (row) => renderTask(row, config.publicUrl), log, {
    allowlist: config.urlAllowlist,
    baseDelayMs: config.webhookBaseDelayMs,
  });
  webhooks.start();

  return {
    config,
    log,
    db,
    catalog,
    keys,
    accounts,
    ledger,
    limiter,
    requestLog,
    pipeline,
    tasks,
    taskStore,
    server,
    readiness,
    instanceId,
    createdAdminKey: boot.createdAdminKey,
    async listen() {
      const address = await server.listen({ host: config.host, port: config.port, backlog: LISTEN_BACKLOG });
      if (!config.env.IMAGEGATE_PUBLIC_URL && config.port === 0) {
        const port = (server.server.address() as { port: number }).port;
        config.publicUrl = config.publicUrl.replace(/:0$/, `:${port}`);
        signer.setPublicUrl(config.publicUrl);
      }
      return address;
    },
    async close() {
      readiness.startDraining();
      for (const t of timers) clearInterval(t);
      // Requests and tasks in flight drain side by side within one grace period; what outlives it is cut and
      // refunded (a task left unfinished is taken over by another instance when its lease runs out).
      const graceMs = config.shutdownGraceMs;
      const [http] = await Promise.all([drainServer(server, graceMs), tasks.stop(graceMs)]);
      if (http.cut) log.warn({ grace_ms: graceMs }, 'requests still running when the shutdown grace period ended were cut and refunded');
      webhooks.stop();
      await requestLog.flush();
      // Closes an outage held back get a last try; what still fails is refunded by another instance's sweep.
      await Promise.all([ledger.unfinishedCloses.flush(), idempotency.flush()]);
      await limiter.close();
      await instances.leave().catch(() => undefined);
      await db.close();
    },
  };
}

/**
 * The S3 blob store with credentials from the AWS credential chain. The chain is imported here, and only
 * here, so a gateway without S3 never loads it.
 */
async function openS3BlobStore(settings: NonNullable<GatewayConfig['s3']>, log: Logger): Promise<S3BlobStore> {
  const { openCredentialChain } = await import('./store/s3/credentials/chain.js');
  const { credentials } = await openCredentialChain(settings.credentials, { log });
  return new S3BlobStore(settings, credentials);
}

/**
 * `{ process: "1" }` in one of `serve --processes N`'s gateway processes, on every log line and metric: a
 * scrape or a log line then says which process it came from. Nothing when the gateway runs alone.
 */
function processLabel(config: GatewayConfig): { process: string } | undefined {
  return config.processIndex === undefined ? undefined : { process: String(config.processIndex) };
}
