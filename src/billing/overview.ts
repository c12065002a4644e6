/**
 * The operator's overview: requests, images, revenue and error rate over a recent range in buckets, and
 * what is open now (holds, tasks waiting or running; finished tasks within the range by outcome). Traffic comes from the request log; revenue from the ledger's
 * settle entries, which every charge writes whether a request or an async task delivered it (a task's
 * requests charge nothing in the request log). Each query reads one covering index of migration
 * 011_overview_indexes (or a partial index of 005/006), so the cost follows the range, not the table.
 */
import { type Kysely, sql } from 'kysely';
import type { Database, TasksTable } from '../store/schema.js';
import { IMAGE_ENDPOINTS } from './usage.js';

export const OVERVIEW_RANGES = {
  '24h': { ms: 24 * 3_600_000, bucketMs: 3_600_000 },
  '7d': { ms: 7 * 86_400_000, bucketMs: 86_400_000 },
  '30d': { ms: 30 * 86_400_000, bucketMs: 86_400_000 },
} as const;
export type OverviewRange = keyof typeof OVERVIEW_RANGES;

export interface OverviewBucket {
  /** Start of the bucket, ms since epoch (UTC hours or days). */
  start: number;
  requests: number;
  /** Requests answered with a 4xx or 5xx status. */
  errors: number;
  error_rate: number;
  images: number;
  /** Money charged in the bucket, micro-units. */
  revenue: number;
}

export interface Overview {
  range: OverviewRange;
  bucket_seconds: number;
  buckets: OverviewBucket[];
  open_holds: { count: number; amount: number };
  /** Pending and running: now. Succeeded, failed and canceled: finished within the range. */
  tasks: Record<TasksTable['status'], number>;
}

const TASK_STATUSES: readonly TasksTable['status'][] = ['pending', 'running', 'succeeded', 'failed', 'canceled'];

export async function overview(db: Kysely<Database>, range: OverviewRange, now = Date.now()): Promise<Overview> {
  const { ms, bucketMs } = OVERVIEW_RANGES[range];
  // The first bucket is the one that holds `now - ms`, so every bucket is whole except the current one.
  const first = Math.floor((now - ms) / bucketMs) * bucketMs;
  const bucket = sql<number>`(created_at / ${sql.lit(bucketMs)})`;
  const [traffic, money, holds, live, finished] = await Promise.all([
    db
      .selectFrom('request_log')
      .select((eb) => [
        bucket.as('b'),
        eb.fn.countAll<number>().as('requests'),
        eb.fn.sum<number>(sql`case when status >= 400 then 1 else 0 end`).as('errors'),
        eb.fn.coalesce(eb.fn.sum<number>('images'), eb.lit(0)).as('images'),
      ])
      .where('created_at', '>=', first)
      .where('endpoint', 'in', IMAGE_ENDPOINTS)
      .groupBy(bucket)
      .execute(),
    db
      .selectFrom('ledger')
      .select((eb) => [bucket.as('b'), eb.fn.coalesce(eb.fn.sum<number>('charged'), eb.lit(0)).as('revenue')])
      // A literal, not a bound value: SQLite uses a partial index only for a WHERE that repeats its own.
      .where(sql<boolean>`kind = ${sql.lit('settle')}`)
      .where('created_at', '>=', first)
      .groupBy(bucket)
      .execute(),
    db
      .selectFrom('holds')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.lit(0)).as('amount')])
      .where(sql<boolean>`status = ${sql.lit('open')}`)
      .executeTakeFirst(),
    Promise.all(
      (['pending', 'running'] as const).map(async (status) => {
        const r = await db
          .selectFrom('tasks')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where(sql<boolean>`status = ${sql.lit(status)}`)
          .executeTakeFirst();
        return { status, n: r?.n ?? 0 };
      }),
    ),
    db
      .selectFrom('tasks')
      .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
      .where(sql<boolean>`finished_at is not null`)
      .where('finished_at', '>=', first)
      .groupBy('status')
      .execute(),
  ]);

  const buckets = new Map<number, OverviewBucket>();
  for (let start = first; start <= now; start += bucketMs) buckets.set(start, { start, requests: 0, errors: 0, error_rate: 0, images: 0, revenue: 0 });
  const at = (b: unknown) => buckets.get(Number(b) * bucketMs);
  for (const r of traffic) {
    const b = at(r.b);
    if (!b) continue;
    b.requests = Number(r.requests);
    b.errors = Number(r.errors ?? 0);
    b.images = Number(r.images);
    b.error_rate = b.requests ? b.errors / b.requests : 0;
  }
  for (const r of money) {
    const b = at(r.b);
    if (b) b.revenue = Number(r.revenue);
  }
  const byStatus = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TasksTable['status'], number>;
  for (const t of [...finished, ...live]) byStatus[t.status] = Number(t.n);
  return {
    range,
    bucket_seconds: bucketMs / 1000,
    buckets: [...buckets.values()],
    open_holds: { count: Number(holds?.n ?? 0), amount: Number(holds?.amount ?? 0) },
    tasks: byStatus,
  };
}
