/**
 * The HTTP server under Fastify, built here so that slow or hoarding clients cannot hold the gateway's
 * connections and descriptors: headers and body must arrive within their time limits, a body may not pause
 * longer than its idle limit, and open connections are capped (further ones are closed on accept).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ConnectionLimits } from '../config/config.js';
import { GatewayError } from '../domain/errors.js';

/** Fastify's default, longer than the idle timeouts of the usual load balancers in front of it. */
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export function httpServerFactory(limits: ConnectionLimits): (handler: Handler) => Server {
  return (handler) => {
    const { headersTimeoutMs, bodyTimeoutMs } = limits;
    // Node measures both from the request's start; the body's limit comes after the headers'.
    const requestTimeout = headersTimeoutMs && bodyTimeoutMs ? headersTimeoutMs + bodyTimeoutMs : 0;
    const server = createServer(
      {
        headersTimeout: headersTimeoutMs,
        requestTimeout,
        // Node checks those two limits on this interval (30 s by default, coarser than the limits themselves).
        connectionsCheckingInterval: checkingInterval(limits),
        keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      },
      (req, res) => {
        watchBodyIdle(req, res, limits.bodyIdleTimeoutMs);
        handler(req, res);
      },
    );
    if (limits.maxConnections > 0) server.maxConnections = limits.maxConnections;
    return server;
  };
}

function checkingInterval(limits: ConnectionLimits): number {
  const set = [limits.headersTimeoutMs, limits.bodyTimeoutMs].filter((ms) => ms > 0);
  return set.length ? Math.max(25, Math.min(1000, Math.floor(Math.min(...set) / 4))) : 30_000;
}

const hasBody = (req: IncomingMessage) => req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

/**
 * A body that pauses longer than `idleMs` is answered 408 and its connection closed. Node emits 'timeout'
 * on the request only while its body is incomplete; once the body is in, an idle socket (a long upstream
 * call) is not the client's doing, so the response's 'timeout' is taken and ignored, as it was before.
 */
function watchBodyIdle(req: IncomingMessage, res: ServerResponse, idleMs: number): void {
  if (idleMs <= 0 || !hasBody(req)) return;
  req.socket.setTimeout(idleMs);
  res.on('timeout', () => undefined);
  req.on('timeout', () => {
    if (res.headersSent) {
      req.socket.destroy();
      return;
    }
    const e = new GatewayError('request_timeout', `The request body paused for more than ${idleMs} ms; send it without long pauses.`);
    const body = JSON.stringify(e.toBody());
    res.writeHead(e.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
  });
}
