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
import type { GatewayConfig } from '../config.js';
import { newId } from '../core/ids.js';
import type { PipelineDeps } from '../core/pipeline.js';
import type { BlobStore } from '../store/blobs.js';
import type { Db } from '../store/db.js';
import type { KeyStore } from '../store/keys.js';
import type { RequestLog } from '../store/request-log.js';
import { FILE_ROUTE_PREFIX, type UrlSigner } from '../store/signed-url.js';
import { IdempotencyStore } from '../tasks/idempotency.js';
import type { TaskService } from '../tasks/service.js';
import type { TaskStore } from '../tasks/store.js';
import { authenticate, requireAdmin } from './auth.js';
import { installErrorHandling } from './error-handler.js';
import { requestLogRow } from './image-request.js';
import type { GatewayMetrics } from './metrics.js';
import type { Readiness } from './readiness.js';
import { accountRoutes } from './routes/account.js';
import { chatRoutes } from './routes/chat.js';
import { adminRoutes } from './routes/admin.js';
import { fileRoutes } from './routes/files.js';
import { imageRoutes } from './routes/images.js';
import { modelRoutes } from './routes/models.js';
import { taskRoutes } from './routes/tasks.js';

export type Server = FastifyInstance;

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
  db: Db;
  tasks: TaskService;
  taskStore: TaskStore;
  metrics: GatewayMetrics;
  readiness: Readiness;
}

const PUBLIC_PATHS = ['/healthz', '/readyz'];
const METRICS_PATH = '/metrics';

export async function buildServer(deps: ServerDeps): Promise<Server> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    // One log line per request is written by the onResponse hook below, with the fields that matter here.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    bodyLimit: deps.config.bodyLimitBytes,
    genReqId: (req) => {
      // A client-supplied id is kept for correlation only when it is short and plain.
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{8,64}$/.test(given) ? given : newId('req');
    },
    return503OnClosing: true,
    forceCloseConnections: true,
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
  const logRequest = (req: FastifyRequest, outcome: { status: number; errorCode?: string }, ms: number) => {
    const path = req.url.split('?')[0]!;
    // Scrapes are not API traffic: a row every 15 s would only bury the requests the log is for.
    if (logged.has(req) || path.startsWith(FILE_ROUTE_PREFIX) || PUBLIC_PATHS.includes(path) || path === METRICS_PATH) return;
    logged.add(req);
    const row = requestLogRow(req, outcome, ms);
    deps.requestLog.record(row);
    metrics.observe(row, req.routeOptions.url ?? 'unmatched', req.imageTrace?.prepared?.model.id);
    req.log.info(
      { method: req.method, path, status: outcome.status, ms: Math.round(ms * 10) / 10, key_id: row.key_id, model: row.model, error_code: row.error_code, images: row.images },
      'request',
    );
  };
  app.addHook('onRequest', async (req, reply) => {
    reply.raw.once('close', () => {
      if (reply.raw.writableFinished) return;
      // A reply the gateway cut (a failure after it started) is logged as that failure, not as the client's.
      const cut = req.imageTrace?.cutShort;
      logRequest(req, cut ? { status: cut.status, errorCode: cut.code } : { status: 499, errorCode: 'client_closed_request' }, reply.elapsedTime);
    });
    reply.header('x-request-id', req.id);
    const path = req.url.split('?')[0]!;
    if (PUBLIC_PATHS.includes(path) || path.startsWith(FILE_ROUTE_PREFIX)) return;
    await authenticate(req, deps.keys);
  });

  app.addHook('onResponse', async (req, reply) => logRequest(req, { status: reply.statusCode, errorCode: reply.errorCode }, reply.elapsedTime));

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get(METRICS_PATH, async (req, reply) => {
    requireAdmin(req);
    return reply.type(metrics.contentType).send(await metrics.text());
  });
  app.get('/readyz', async (_req, reply) => {
    const report = await deps.readiness.report();
    return reply.code(report.status).send(report.body);
  });
  modelRoutes(app, deps.catalog);
  const imageDeps = { pipeline: deps.pipeline, tasks: deps.tasks, idempotency: new IdempotencyStore(deps.db.kysely) };
  imageRoutes(app, imageDeps);
  chatRoutes(app, imageDeps, deps.catalog);
  taskRoutes(app, { tasks: deps.tasks, store: deps.taskStore, publicUrl: () => deps.config.publicUrl });
  fileRoutes(app, deps.blobs, deps.signer);
  accountRoutes(app, deps);
  adminRoutes(app, deps);
  await app.ready();
  return app;
}
