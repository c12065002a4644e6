/**
 * The HTTP server: Fastify with request ids, authentication, OpenAI-shaped errors, one JSON log line and
 * one request-log row per request, and the route modules.
 */
import multipart from '@fastify/multipart';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { Accounts } from '../billing/accounts.js';
import type { Ledger } from '../billing/ledger.js';
import type { Catalog } from '../catalog/catalog.js';
import type { GatewayConfig } from '../config/config.js';
import { newId } from '../domain/ids.js';
import type { PipelineDeps } from '../pipeline/pipeline.js';
import type { BlobStore } from '../store/blobs.js';
import type { Db } from '../store/db.js';
import type { KeyStore } from '../store/keys.js';
import type { RequestLog } from '../store/request-log.js';
import type { UrlSigner } from '../store/signed-url.js';
import type { FileStore } from '../store/files.js';
import type { IdempotencyStore } from './idempotency/store.js';
import type { TaskService } from '../tasks/service.js';
import type { TaskStore } from '../tasks/store.js';
import { ADMIN, type Audience, installAudienceGate, PUBLIC } from './audience.js';
import { consoleAssets } from './console-assets.js';
import { clientErrorHandler, frameworkErrors, installErrorHandling } from './error-handler.js';
import { httpServerFactory } from './http-server.js';
import { type RequestOutcome, requestLogRow } from './request-log-row.js';
import type { GatewayMetrics } from './metrics.js';
import type { Readiness } from './readiness.js';
import { accountRoutes } from './routes/account.js';
import { chatRoutes } from './routes/chat.js';
import { adminRoutes } from './routes/admin.js';
import { adminRecordRoutes } from './routes/admin-records.js';
import { adminTaskRoutes } from './routes/admin-tasks.js';
import { AuditLog } from '../store/audit-log.js';
import { ConsoleSessionStore } from '../store/console-sessions.js';
import { ConsoleUserStore } from '../store/console-users.js';
import type { RateLimiter } from '../limits/index.js';
import { adminUserRoutes } from './routes/admin-users.js';
import { consoleRoutes } from './routes/console.js';
import { RedeemGuard } from './redeem-guard.js';
import { adminTopupCodeRoutes } from './routes/admin-topup-codes.js';
import { memberTopupRoutes } from './routes/member-topup.js';
import { TopupCodeStore } from '../store/topup-codes.js';
import { TopupRedemptions } from '../billing/topup-redemption.js';
import { SIGN_IN_LIMITS, SignInGuard } from './sign-in-guard.js';
import { InviteStore } from '../store/invites.js';
import { adminInviteRoutes } from './routes/admin-invites.js';
import { consoleSignUpRoutes } from './routes/console-sign-up.js';
import { memberAccountRoutes } from './routes/member-account.js';
import { memberKeyRoutes } from './routes/member-keys.js';
import { adminModelRoutes } from './routes/admin-models.js';
import { adminOverviewRoutes } from './routes/admin-overview.js';
import { adminProviderRoutes } from './routes/admin-providers.js';
import { filesApiRoutes } from './routes/files-api.js';
import { hostedImageRoutes } from './routes/hosted-images.js';
import { imageRoutes } from './routes/images.js';
import { modelRoutes } from './routes/models.js';
import { openApiRoutes } from './openapi/routes.js';
import { taskRoutes } from './routes/tasks.js';

export type Server = FastifyInstance;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: the route's requests get no request-log row (probes, scrapes, file downloads). */
    requestLog?: false;
  }
}

export interface ServerDeps {
  config: GatewayConfig;
  log: Logger;
  catalog: Catalog;
  keys: KeyStore;
  accounts: Accounts;
  ledger: Ledger;
  requestLog: RequestLog;
  pipeline: PipelineDeps;
  blobs: BlobStore;
  signer: UrlSigner;
  files: FileStore;
  db: Db;
  tasks: TaskService;
  taskStore: TaskStore;
  metrics: GatewayMetrics;
  idempotency: IdempotencyStore;
  readiness: Readiness;
  /** The gateway's rate limiter: sign-in failures count in it, shared by every instance on Redis. */
  limiter: RateLimiter;
  /** The built console (tests point it at their own build); by default dist/console/ next to the server. */
  consoleDir?: string;
}

export async function buildServer(deps: ServerDeps): Promise<Server> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    // One log line per request is written by the onResponse hook below, with the fields that matter here.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    bodyLimit: deps.config.bodyLimitBytes,
    // Only the configured proxies may name the client; anyone else's X-Forwarded-For is ignored.
    trustProxy: deps.config.trustedProxies.length ? deps.config.trustedProxies : false,
    genReqId: (req) => {
      // A client-supplied id is kept for correlation only when it is short and plain.
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{8,64}$/.test(given) ? given : newId('req');
    },
    return503OnClosing: true,
    // A stop drains in-flight requests (server/drain.ts); only what outlives the grace period is cut.
    forceCloseConnections: 'idle',
    // Time limits and the connection cap against slow or hoarding clients; their errors in the OpenAI shape.
    serverFactory: httpServerFactory(deps.config.connections),
    clientErrorHandler,
    frameworkErrors,
  });
  installErrorHandling(app);
  const metrics = deps.metrics;
  // Only JSON and multipart bodies are meaningful here; anything else is a 415, not a string to misparse.
  app.removeContentTypeParser('text/plain');
  await app.register(multipart, {
    // Edits take up to 16 images and a mask; everything beyond is refused with 413 before it is buffered.
    limits: { fileSize: 50 * 1024 * 1024, files: 17, fields: 40, parts: 60, fieldSize: 256 * 1024, headerPairs: 200 },
  });

  // One request-log row per request: from onResponse normally, and when the client hung up before its
  // answer (no response finishes then) from the connection's close, as a 499 like proxies log it.
  const logged = new WeakSet<FastifyRequest>();
  const logRequest = (req: FastifyRequest, outcome: RequestOutcome, ms: number) => {
    // Scrapes, probes and file downloads are not API traffic: their rows would only bury the requests the
    // log is for.
    if (logged.has(req) || req.routeOptions.config?.requestLog === false) return;
    const path = req.url.split('?')[0]!;
    logged.add(req);
    const write = (charged: number) => {
      const row = requestLogRow(req, outcome, ms, charged);
      deps.requestLog.record(row);
      metrics.observe(row, req.routeOptions.url ?? 'unmatched', req.imageTrace?.prepared?.model.id);
      req.log.info(
        {
          method: req.method,
          path,
          status: outcome.status,
          ms: Math.round(ms * 10) / 10,
          key_id: row.key_id,
          model: row.model,
          error_code: row.error_code,
          images: row.images,
          charged,
        },
        'request',
      );
    };
    // A reply's hold closes as it is delivered (charge-on-delivery.ts): the row records what that charged.
    const charged = req.imageTrace?.charged;
    if (charged) void charged.then(write, () => write(0));
    else write(0);
  };
  app.addHook('onRequest', async (req, reply) => {
    req.receivedAt = Date.now();
    reply.raw.once('close', () => {
      if (reply.raw.writableFinished) return;
      // A reply the gateway cut (a failure after it started) is logged as that failure, not as the client's.
      const cut = req.imageTrace?.cutShort;
      logRequest(
        req,
        cut ? { status: cut.status, errorCode: cut.code, errorMessage: cut.message } : { status: 499, errorCode: 'client_closed_request' },
        reply.elapsedTime,
      );
    });
    reply.header('x-request-id', req.id);
  });
  // After the hook above, so a refused request still carries its id and gets its request-log row.
  const users = new ConsoleUserStore(deps.db);
  const sessions = new ConsoleSessionStore(deps.db, deps.config.console);
  const publicUrl = () => deps.config.publicUrl;
  installAudienceGate(app, { keys: deps.keys, sessions, publicUrl });

  app.addHook('onResponse', async (req, reply) =>
    logRequest(req, { status: reply.statusCode, errorCode: reply.errorCode, errorMessage: reply.errorMessage }, reply.elapsedTime),
  );

  const unlogged = (o: { config: { audience: Audience } }) => ({ config: { ...o.config, requestLog: false as const } });
  app.get('/healthz', unlogged(PUBLIC), async () => ({ status: 'ok' }));
  app.get('/metrics', unlogged(ADMIN), async (_req, reply) => reply.type(metrics.contentType).send(await metrics.text()));
  app.get('/readyz', unlogged(PUBLIC), async (_req, reply) => {
    const report = await deps.readiness.report();
    return reply.code(report.status).send(report.body);
  });
  modelRoutes(app, deps.catalog);
  const imageDeps = { pipeline: deps.pipeline, tasks: deps.tasks, idempotency: deps.idempotency };
  imageRoutes(app, imageDeps);
  chatRoutes(app, imageDeps, deps.catalog);
  taskRoutes(app, { tasks: deps.tasks, store: deps.taskStore, publicUrl: () => deps.config.publicUrl });
  hostedImageRoutes(app, deps.blobs, deps.signer);
  filesApiRoutes(app, { files: deps.files, settings: deps.config.files });
  accountRoutes(app, deps);
  const auditLog = new AuditLog(deps.db.kysely);
  adminRoutes(app, { ...deps, auditLog });
  adminRecordRoutes(app, { ...deps, auditLog });
  adminUserRoutes(app, { users, accounts: deps.accounts, auditLog });
  consoleRoutes(app, { users, sessions, keys: deps.keys, guard: new SignInGuard(deps.limiter), publicUrl });
  const invites = new InviteStore(deps.db);
  consoleSignUpRoutes(app, {
    db: deps.db,
    accounts: deps.accounts,
    users,
    invites,
    auditLog,
    sessions,
    publicUrl,
    signup: deps.config.signup,
    guard: new SignInGuard(deps.limiter, SIGN_IN_LIMITS, 'signup'),
  });
  adminInviteRoutes(app, { db: deps.db, invites, accounts: deps.accounts, auditLog, publicUrl });
  memberAccountRoutes(app, { ...deps, auditLog });
  memberKeyRoutes(app, { ...deps, auditLog });
  adminTaskRoutes(app, { ...deps, auditLog });
  const topupCodes = new TopupCodeStore(deps.db);
  adminTopupCodeRoutes(app, { db: deps.db, topupCodes, auditLog });
  memberTopupRoutes(app, {
    redemptions: new TopupRedemptions(topupCodes, deps.ledger),
    guard: new RedeemGuard(deps.limiter, deps.config.redeemFailures),
    auditLog,
    currency: deps.ledger.currency,
  });
  adminOverviewRoutes(app, { db: deps.db, requestLog: deps.requestLog, currency: deps.ledger.currency });
  adminModelRoutes(app, deps.catalog);
  adminProviderRoutes(app, { catalog: deps.catalog, breakers: deps.pipeline.breakers, upstream: deps.metrics.upstream });
  openApiRoutes(app, { publicUrl });
  await consoleAssets(app, { keys: deps.keys, dir: deps.consoleDir });
  await app.ready();
  return app;
}
