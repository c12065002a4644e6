/**
 * The common machinery of every fake upstream: a real HTTP server on 127.0.0.1, a recording of each request
 * received (method, path, headers, raw body), and fault knobs a test can set (latency, dropped connections,
 * forced statuses). Each provider's fake adds its protocol's routes on top.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** The body parsed as JSON, when it is JSON. */
  json?: unknown;
}

export interface FaultKnobs {
  /** Added before answering each request (ms); with latencyMaxMs, a uniform draw between the two. */
  latencyMs: number;
  latencyMaxMs: number;
  /** Destroy the socket of the next N requests without answering. */
  dropNext: number;
  /** Answer the next N requests with this status and body instead of the protocol's own answer. */
  failNext: number;
  failStatus: number;
  failBody: unknown;
  failHeaders: Record<string, string>;
  /** Fail each request with this probability (0..1) using failStatus/failBody (seeded by test via Math.random). */
  failRate: number;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface Route {
  method: string;
  /** Matched against the path without the query; a RegExp's groups are available to the handler through match. */
  path: RegExp;
  handle: (req: RecordedRequest, res: ServerResponse, match: RegExpExecArray) => void | Promise<void>;
}

/** Knobs at rest: no latency, no faults. */
function defaultKnobs(): FaultKnobs {
  return {
    latencyMs: 0,
    latencyMaxMs: 0,
    dropNext: 0,
    failNext: 0,
    failStatus: 500,
    failBody: { error: { message: 'fake failure' } },
    failHeaders: {},
    failRate: 0,
  };
}

export class HttpFake {
  readonly requests: RecordedRequest[] = [];
  readonly knobs: FaultKnobs = defaultKnobs();
  /** Upstream calls currently being answered, and the most ever at once. */
  inFlight = 0;
  maxInFlight = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<import('node:net').Socket>();

  constructor(protected readonly routes: Route[]) {}

  get url(): string {
    const addr = this.server?.address() as AddressInfo | undefined;
    if (!addr) throw new Error('fake not started');
    return `http://127.0.0.1:${addr.port}`;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.dispatch(req, res));
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket as import('node:net').Socket, head));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** An HTTP upgrade (a websocket): refused unless a fake speaks a protocol over one. */
  protected upgrade(_req: IncomingMessage, socket: import('node:net').Socket, _head: Buffer): void {
    socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
  }

  reset(): void {
    this.requests.length = 0;
    Object.assign(this.knobs, defaultKnobs());
    this.maxInFlight = 0;
  }

  /** Requests whose path matches, in arrival order. */
  requestsTo(path: string | RegExp): RecordedRequest[] {
    return this.requests.filter((r) => (typeof path === 'string' ? r.path === path : path.test(r.path)));
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const u = new URL(req.url ?? '/', 'http://fake');
    const rec: RecordedRequest = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body };
    if ((req.headers['content-type'] ?? '').includes('json') && body.length) {
      try {
        rec.json = JSON.parse(body.toString('utf8'));
      } catch {
        /* recorded raw; the route decides how to answer */
      }
    }
    this.requests.push(rec);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const { latencyMs, latencyMaxMs } = this.knobs;
      const wait = latencyMaxMs > latencyMs ? latencyMs + Math.random() * (latencyMaxMs - latencyMs) : latencyMs;
      if (wait) await new Promise((r) => setTimeout(r, wait));
      // A client that gave up during the latency (a timed-out test) gets no answer: answering would consume
      // fault knobs a later test set for its own requests.
      if (req.socket.destroyed) return;
      if (this.knobs.dropNext > 0) {
        this.knobs.dropNext--;
        req.socket.destroy();
        return;
      }
      if (this.knobs.failNext > 0 || (this.knobs.failRate > 0 && Math.random() < this.knobs.failRate)) {
        if (this.knobs.failNext > 0) this.knobs.failNext--;
        sendJson(res, this.knobs.failStatus, this.knobs.failBody, this.knobs.failHeaders);
        return;
      }
      for (const route of this.routes) {
        if (route.method !== rec.method) continue;
        const m = route.path.exec(rec.path);
        if (m) {
          await route.handle(rec, res, m);
          return;
        }
      }
      sendJson(res, 404, { error: { message: `fake: no route for ${rec.method} ${rec.path}` } });
    } catch (e) {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `fake crashed: ${(e as Error).message}` } });
      else res.destroy();
    } finally {
      this.inFlight--;
    }
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
