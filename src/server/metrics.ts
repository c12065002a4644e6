/**
 * Prometheus metrics at GET /metrics (admin key): what an operator graphs and alerts on. Per request:
 * counts by route pattern, status and model, latency, images delivered and money charged, all recorded from
 * the request-log row the gateway writes anyway (a few counter increments, no extra work per image). An
 * async task's images and money count when its success is recorded (its requests deliver none).
 * At scrape time: open holds and queued or running tasks, read from the database, and the process's own
 * figures (CPU, memory, event-loop delay, GC) from prom-client's defaults.
 *
 * Labels are bounded: a route pattern (not the path), a catalog model id (not what a client typed), a status.
 */
import { type Kysely, sql } from 'kysely';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { UpstreamAttempt } from '../pipeline/dispatch.js';
import type { Delivery } from '../pipeline/pipeline.js';
import type { SlotUsage } from '../pipeline/provider-slots.js';
import type { RequestLogEntry } from '../store/request-log.js';
import type { Database } from '../store/schema.js';
import { UpstreamStats } from './upstream-stats.js';

/** The process's own figures, one set per process however many gateways it runs (tests run many). */
let processRegistry: Registry | undefined;
function processMetrics(labels: Record<string, string> | undefined): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    if (labels) processRegistry.setDefaultLabels(labels);
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class GatewayMetrics {
  private readonly registry = new Registry();
  readonly contentType = this.registry.contentType;
  private readonly requests: Counter<'route' | 'status' | 'model'>;
  private readonly duration: Histogram<'route'>;
  private readonly images: Counter<'model' | 'provider_route'>;
  private readonly charged: Counter<'model'>;
  private readonly upstreamAttempts: Counter<'provider' | 'outcome'>;
  private readonly upstreamDuration: Histogram<'provider'>;
  private readonly slotWait: Histogram<'provider'>;
  /** The providers' slots, read at scrape time (set once the pipeline exists). */
  private slots: () => readonly SlotUsage[] = () => [];
  /** Attempts per route with their latencies, read by the admin API's provider health. */
  readonly upstream = new UpstreamStats();

  /**
   * `labels` go on every series: `{ process }` in one of several gateway processes on one port, so that
   * series from different processes stay apart once scraped.
   */
  constructor(
    db: Kysely<Database>,
    currency: string,
    private readonly labels?: Record<string, string>,
  ) {
    if (labels) this.registry.setDefaultLabels(labels);
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'imagegate_requests_total',
      help: 'API requests answered, by route pattern, HTTP status and catalog model',
      labelNames: ['route', 'status', 'model'],
      registers,
    });
    this.duration = new Histogram({
      name: 'imagegate_request_duration_seconds',
      help: 'Time from request to the end of the answer, by route pattern',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.images = new Counter({
      name: 'imagegate_images_total',
      help: 'Images delivered to clients, by catalog model and provider route',
      labelNames: ['model', 'provider_route'],
      registers,
    });
    this.charged = new Counter({
      name: 'imagegate_charged_micros_total',
      help: `Money charged for delivered images, in micro-units of ${currency}`,
      labelNames: ['model'],
      registers,
    });
    this.upstreamAttempts = new Counter({
      name: 'imagegate_upstream_attempts_total',
      help: 'Calls to upstream providers (retries and fallbacks each count), by provider and outcome: ok or the error code',
      labelNames: ['provider', 'outcome'],
      registers,
    });
    this.upstreamDuration = new Histogram({
      name: 'imagegate_upstream_duration_seconds',
      help: 'Time of one upstream attempt, whatever its outcome, by provider',
      labelNames: ['provider'],
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300],
      registers,
    });
    this.slotWait = new Histogram({
      name: 'imagegate_upstream_slot_wait_seconds',
      help: "Time an upstream call waited for a slot of its provider's max_concurrency before it started, by provider (it counts against the request's time limit)",
      labelNames: ['provider'],
      buckets: [0, 0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    const slots = () => this.slots();
    new Gauge({
      name: 'imagegate_upstream_calls_in_flight',
      help: 'Upstream calls running, by provider (at most its max_concurrency, per process)',
      labelNames: ['provider'],
      registers,
      collect() {
        this.reset();
        for (const s of slots()) this.set({ provider: s.provider }, s.inUse);
      },
    });
    new Gauge({
      name: 'imagegate_upstream_calls_waiting',
      help: "Upstream calls waiting for a slot of their provider's max_concurrency, by provider",
      labelNames: ['provider'],
      registers,
      collect() {
        this.reset();
        for (const s of slots()) this.set({ provider: s.provider }, s.waiting);
      },
    });
    new Gauge({
      name: 'imagegate_upstream_max_concurrency',
      help: 'Upstream calls a provider may have running at once in this process (its max_concurrency)',
      labelNames: ['provider'],
      registers,
      collect() {
        this.reset();
        for (const s of slots()) this.set({ provider: s.provider }, s.capacity);
      },
    });
    new Gauge({
      name: 'imagegate_open_holds',
      help: 'Holds reserved and not yet settled or refunded (requests and tasks in flight)',
      registers,
      async collect() {
        this.set(await countInStatus(db, 'holds', 'open'));
      },
    });
    new Gauge({
      name: 'imagegate_tasks',
      help: 'Async tasks waiting or running, by status',
      labelNames: ['status'],
      registers,
      async collect() {
        const counts = await Promise.all((['pending', 'running'] as const).map(async (status) => [status, await countInStatus(db, 'tasks', status)] as const));
        this.reset();
        for (const [status, n] of counts) this.set({ status }, n);
      },
    });
  }

  /** The exposition text: this gateway's metrics and the process's. */
  async text(): Promise<string> {
    return (await this.registry.metrics()) + (await processMetrics(this.labels).metrics());
  }

  /** Where the providers' slots are read at scrape time. */
  trackSlots(snapshot: () => readonly SlotUsage[]): void {
    this.slots = snapshot;
  }

  /** How long one upstream call waited for its provider's slot. */
  readonly slotWaited = (provider: string, seconds: number): void => {
    this.slotWait.observe({ provider }, seconds);
  };

  /** One attempt at an upstream (dispatch reports each). */
  readonly upstreamAttempt = (a: UpstreamAttempt): void => {
    this.upstreamAttempts.inc({ provider: a.provider, outcome: a.outcome });
    this.upstreamDuration.observe({ provider: a.provider }, a.seconds);
    this.upstream.record(a);
  };

  /** One answered request; `route` is the matched route pattern, `model` the catalog id if it resolved. */
  observe(row: RequestLogEntry, route: string, model: string | undefined): void {
    const m = model ?? '';
    this.requests.inc({ route, status: String(row.status), model: m });
    this.duration.observe({ route }, (row.latency_ms ?? 0) / 1000);
    this.delivered(m, row.route ?? '', row.images ?? 0, row.amount ?? 0);
  }

  /** One async task whose success was recorded (the task service reports each task once). */
  readonly taskSucceeded = (d: Pick<Delivery, 'model' | 'route' | 'images' | 'charged'>): void => {
    this.delivered(d.model.id, d.route.id, d.images.length, d.charged);
  };

  /** Images delivered and money charged, labelled alike whether a request or a task delivered them. */
  private delivered(model: string, providerRoute: string, images: number, amount: number): void {
    if (images > 0) this.images.inc({ model, provider_route: providerRoute }, images);
    if (amount > 0) this.charged.inc({ model }, amount);
  }
}

/**
 * Rows of `table` in `status`, the status written into the SQL rather than bound: SQLite then counts from
 * that status's partial index (open holds; pending and running tasks, migrations 005 and 006), since a bound
 * value cannot match an index's WHERE, and the count would read every row ever written.
 */
async function countInStatus(db: Kysely<Database>, table: 'holds' | 'tasks', status: string): Promise<number> {
  const r = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(sql<boolean>`status = ${sql.lit(status)}`)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}
