/**
 * GET /v1/admin/overview: requests, images, revenue and error rate in buckets over a range, open holds and
 * tasks by status — counted from the request log and the ledger, on SQLite and on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgres, PG_URL } from '../support/databases.js';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';
import { overlayOf } from '../support/overlays.js';
import { pollValue } from '../support/wait.js';

const OVERLAY = overlayOf(`  metered-local:
    owned_by: test
    routes: [{ provider: local, upstream_model: local }]
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    n: { max: 4 }
    sizes: { values: [16x16] }
    price: { per_image: 2500 }
`);

interface Bucket {
  start: number;
  requests: number;
  errors: number;
  error_rate: number;
  images: number;
  revenue: number;
}
interface OverviewBody {
  range: string;
  bucket_seconds: number;
  buckets: Bucket[];
  open_holds: { count: number; amount: number };
  tasks: Record<'pending' | 'running' | 'succeeded' | 'failed' | 'canceled', number>;
}

const total = (o: OverviewBody, f: keyof Omit<Bucket, 'start' | 'error_rate'>) => o.buckets.reduce((s, b) => s + b[f], 0);

for (const db of ['sqlite', 'postgres'] as const) {
  describe.skipIf(db === 'postgres' && !PG_URL)(`GET /v1/admin/overview (${db})`, () => {
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await startGateway({ overlay: OVERLAY, databaseUrl: db === 'postgres' ? await freshPostgres() : undefined });
    });
    afterAll(() => gw?.close());

    it('buckets hourly over 24 h and daily over 7 d and 30 d, ending with the current one', async () => {
      const day = (await gw.admin('/v1/admin/overview?range=24h')).body as OverviewBody;
      expect(day.bucket_seconds).toBe(3600);
      expect(day.buckets.length).toBeGreaterThanOrEqual(24);
      expect(day.buckets.length).toBeLessThanOrEqual(25);
      expect(day.buckets.at(-1)!.start).toBeLessThanOrEqual(Date.now());
      expect(day.buckets.at(-1)!.start).toBeGreaterThan(Date.now() - 3_600_000);
      const week = (await gw.admin('/v1/admin/overview?range=7d')).body as OverviewBody;
      expect(week.bucket_seconds).toBe(86_400);
      expect(week.buckets.length).toBe(8);
      expect((await gw.admin('/v1/admin/overview?range=30d')).body.buckets).toHaveLength(31);
    });

    it('counts requests, errors, images and the revenue that sync requests and async tasks charged', async () => {
      const before = (await gw.admin('/v1/admin/overview?range=24h')).body as OverviewBody;
      const { key } = await gw.clientKey({ balance: 1_000_000 });
      expect((await postJson(`${gw.url}/v1/images/generations`, key, { model: 'metered-local', prompt: 'a', size: '16x16', n: 3 })).status).toBe(200);
      expect((await postJson(`${gw.url}/v1/images/generations`, key, { model: 'metered-local', prompt: 'b', size: '99x99' })).status).toBe(400);
      const task = await postJson(
        `${gw.url}/v1/images/generations`,
        key,
        { model: 'metered-local', prompt: 'c', size: '16x16', n: 2 },
        { prefer: 'respond-async' },
      );
      expect(task.status).toBe(202);
      const after = await pollValue(
        async () => (await gw.admin('/v1/admin/overview?range=24h')).body as OverviewBody,
        // The success's row is written once its delivery settled, after the reply; the overview reads tasks and
        // the ledger in separate queries, so one answer may see the task finished but not yet its charge.
        (o) =>
          o.tasks.succeeded === before.tasks.succeeded + 1 &&
          total(o, 'requests') - total(before, 'requests') === 3 &&
          total(o, 'revenue') - total(before, 'revenue') === 5 * 2500,
        20_000,
      );
      expect(total(after, 'requests') - total(before, 'requests')).toBe(3);
      expect(total(after, 'errors') - total(before, 'errors')).toBe(1);
      expect(total(after, 'images') - total(before, 'images')).toBe(3);
      // 3 images by the sync request and 2 by the task, whose charge only the ledger records.
      expect(total(after, 'revenue') - total(before, 'revenue')).toBe(5 * 2500);
      const current = after.buckets.at(-1)!;
      expect(current.error_rate).toBeCloseTo(current.errors / current.requests);
      expect(after.open_holds).toEqual({ count: 0, amount: 0 });
      expect(after.tasks.pending + after.tasks.running).toBe(0);
    });

    it('refuses a range it does not know, naming the parameter', async () => {
      const res = await gw.admin('/v1/admin/overview?range=1y');
      expect(res.status).toBe(400);
      expect(res.body.error.param).toBe('range');
    });
  });
}
