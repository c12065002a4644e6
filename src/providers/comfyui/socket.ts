/**
 * ComfyUI's websocket (`/ws?clientId=`): it tells the client that queued a prompt how the prompt runs
 * (`execution_start`, `execution_cached`, `executing`, `progress` {value, max}, `executed`,
 * `execution_success`, `execution_error`, `execution_interrupted`; binary frames are previews, ignored).
 * It only says when to look and how far a prompt got: `/history` stays the source of truth, so a socket that
 * is down (or never comes up) costs nothing but promptness. One socket per host and client id, opened on
 * first use and closed once idle.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'undici';
import type { Route } from '../../domain/adapter.js';
import { authHeaders, socketUrl } from './request.js';
import { ProgressTally } from './progress.js';

/** Close a socket nothing has waited on for this long. */
const IDLE_MS = 30_000;
/** A socket left following no prompt closes after this long, unless the next job comes first. */
const LINGER_MS = 2_000;
/** After a failed connection, wait this long before trying again (the history is polled meanwhile). */
const RECONNECT_MS = 5_000;
/** Forget a prompt nothing has asked about for this long (its follower gave up or the process moved on). */
const STALE_MS = 10 * 60_000;
/** After news that a prompt ended, later waits are this short: the history may lag the socket a moment. */
const AFTER_END_MS = 25;

const TERMINAL = new Set(['execution_success', 'execution_error', 'execution_interrupted']);

/** What is known of one followed prompt. */
class PromptFeed {
  tally = new ProgressTally();
  weighed = false;
  ended = false;
  news = false;
  report: ((percent: number) => void) | undefined;
  wake: (() => void) | undefined;
  touched = Date.now();
  /** The node ComfyUI said it is executing: hosts older than `node` on `progress` mean that one. */
  private executing: string | undefined;

  hear(type: string, data: Record<string, unknown>): void {
    if (type === 'execution_cached' && Array.isArray(data.nodes)) this.tally.cached(data.nodes.map(String));
    if (type === 'executing' && typeof data.node === 'string') this.executing = data.node;
    if (type === 'progress' && typeof data.value === 'number' && typeof data.max === 'number') {
      const p = this.tally.step(typeof data.node === 'string' ? data.node : this.executing, data.value, data.max);
      if (p !== undefined) this.report?.(p);
    }
    if (TERMINAL.has(type) || (type === 'executing' && data.node === null)) {
      this.ended = true;
      this.news = true;
      this.wake?.();
    }
  }
}

class HostSocket {
  private ws: WebSocket | undefined;
  private open = false;
  /** Settles once the socket being opened is open, or failed. */
  private ready: Promise<void> = Promise.resolve();
  private retryAt = 0;
  private idle: NodeJS.Timeout | undefined;
  readonly feeds = new Map<string, PromptFeed>();

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string>,
  ) {}

  feed(promptId: string): PromptFeed {
    let f = this.feeds.get(promptId);
    if (!f) {
      f = new PromptFeed();
      this.feeds.set(promptId, f);
    }
    f.touched = Date.now();
    return f;
  }

  /** Opens the socket unless it is open, opening, or failed a moment ago; settles once it is open or failed. */
  ensure(): Promise<void> {
    this.keepAlive();
    if (this.ws || Date.now() < this.retryAt) return this.ready;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url, { headers: this.headers });
    } catch {
      this.retryAt = Date.now() + RECONNECT_MS;
      return this.ready;
    }
    this.ws = ws;
    let settle!: () => void;
    this.ready = new Promise<void>((resolve) => (settle = resolve));
    ws.addEventListener('open', () => {
      this.open = true;
      settle();
    });
    ws.addEventListener('message', (ev) => {
      if (typeof ev.data === 'string') this.dispatch(ev.data);
    });
    const gone = () => {
      settle();
      if (this.ws !== ws) return;
      if (!this.open) this.retryAt = Date.now() + RECONNECT_MS;
      this.ws = undefined;
      this.open = false;
      // A prompt that ended while the socket was down would never wake its waiter: let the history say.
      for (const f of this.feeds.values()) f.wake?.();
    };
    ws.addEventListener('close', gone);
    ws.addEventListener('error', gone);
    return this.ready;
  }

  private dispatch(text: string): void {
    let msg: { type?: unknown; data?: unknown };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof msg.type !== 'string' || typeof msg.data !== 'object' || msg.data === null) return;
    const data = msg.data as Record<string, unknown>;
    const f = typeof data.prompt_id === 'string' ? this.feeds.get(data.prompt_id) : undefined;
    f?.hear(msg.type, data);
  }

  private keepAlive(ms = IDLE_MS): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.close(), ms);
    this.idle.unref();
    const now = Date.now();
    for (const [id, f] of this.feeds) if (now - f.touched > STALE_MS && !f.wake) this.feeds.delete(id);
  }

  /** Stops following a prompt; a socket left following none closes shortly, so no idle connection outlives the jobs. */
  release(promptId?: string): void {
    if (promptId !== undefined) this.feeds.delete(promptId);
    if (this.feeds.size === 0) this.keepAlive(LINGER_MS);
  }

  close(): void {
    clearTimeout(this.idle);
    const ws = this.ws;
    this.ws = undefined;
    this.open = false;
    ws?.close();
  }
}

/** The websockets of one adapter: per host and client id. */
export class PromptSockets {
  private readonly hosts = new Map<string, HostSocket>();

  private host(route: Route, clientId: string): HostSocket {
    const url = socketUrl(route, clientId);
    let h = this.hosts.get(url);
    if (!h) {
      h = new HostSocket(url, authHeaders(route));
      this.hosts.set(url, h);
    }
    return h;
  }

  /**
   * Opens the host's socket for this client id ahead of a prompt, so that it hears the prompt from its first
   * step: waits until it is open, failed, or `ms` passed (a host without a socket delays nothing longer).
   */
  async listen(route: Route, clientId: string, ms: number, signal: AbortSignal): Promise<void> {
    const opened = this.host(route, clientId).ensure();
    const waited = new AbortController();
    await Promise.race([opened, sleep(ms, undefined, { signal: AbortSignal.any([signal, waited.signal]) }).catch(() => undefined)]);
    waited.abort();
  }

  /** The prompt listened for was never queued: the socket closes unless it follows others. */
  unlisten(route: Route, clientId: string): void {
    this.hosts.get(socketUrl(route, clientId))?.release();
  }

  /** Gives the prompt's progress the weights of its sampling nodes, once. */
  weigh(route: Route, clientId: string, promptId: string, declared: () => ReadonlyMap<string, number>): void {
    const f = this.host(route, clientId).feed(promptId);
    if (!f.weighed) {
      f.tally = new ProgressTally(declared());
      f.weighed = true;
    }
  }

  /**
   * Waits up to `ms` for the prompt to end, reporting its progress meanwhile; resolves early on news of its
   * end (or when the socket drops, so the history is looked at).
   */
  async waitForNews(route: Route, clientId: string, promptId: string, ms: number, signal: AbortSignal, report?: (percent: number) => void): Promise<void> {
    const h = this.host(route, clientId);
    void h.ensure();
    const f = h.feed(promptId);
    if (report) f.report = report;
    if (f.news) {
      f.news = false;
      return;
    }
    const wait = f.ended ? Math.min(ms, AFTER_END_MS) : ms;
    const woken = new AbortController();
    f.wake = () => woken.abort();
    try {
      await sleep(wait, undefined, { signal: AbortSignal.any([signal, woken.signal]) });
    } catch {
      // woken by news, or the caller's signal: either way the caller looks next
    } finally {
      f.wake = undefined;
      f.news = false;
    }
    // The follower is gone (client left, gateway stopping): the prompt is no longer ours to hear about.
    if (signal.aborted) h.release(promptId);
  }

  /** The prompt is settled: stop following it. */
  forget(route: Route, clientId: string, promptId: string): void {
    this.hosts.get(socketUrl(route, clientId))?.release(promptId);
  }

  closeAll(): void {
    for (const h of this.hosts.values()) h.close();
    this.hosts.clear();
  }
}
