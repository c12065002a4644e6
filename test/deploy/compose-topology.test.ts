/**
 * docker-compose.yml's shape without Docker: two gateways on one PostgreSQL database, one Redis and one S3
 * bucket (a fake), with the settings the compose file shares (public URL, admin key, signing secret), behind
 * deploy/nginx-compose.conf. What one instance hands out, the other must honour: hosted-image URLs signed by
 * either are served through the balancer, and keys made on one authenticate on the other.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_S3_CREDENTIALS, FakeS3 } from '../fakes/s3.js';
import { type RedisServer, startRedis } from '../limits/redis-server.js';
import { freshPostgres, PG_URL } from '../support/databases.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { composeBalancer, HAVE_NGINX, startNginx } from '../support/nginx.js';
import { freePort } from '../support/process.js';

const canRun = HAVE_NGINX && PG_URL !== undefined;

describe.runIf(canRun)('two gateways behind the compose load balancer, sharing PostgreSQL, Redis, S3 and their settings', () => {
  let s3: FakeS3;
  let redis: RedisServer;
  let gateways: TestGateway[] = [];
  let nginx: ChildProcess;
  let publicUrl: string;

  beforeAll(async () => {
    const listen = await freePort();
    publicUrl = `http://127.0.0.1:${listen}`;
    [s3, redis] = await Promise.all([new FakeS3(['imagegate']).start(), startRedis()]);
    const databaseUrl = await freshPostgres();
    const shared = {
      IMAGEGATE_PUBLIC_URL: publicUrl,
      IMAGEGATE_SIGNING_SECRET: 'compose-topology-signing-secret-0123',
      IMAGEGATE_AUTO_MIGRATE: 'on',
      REDIS_URL: redis.url,
      IMAGEGATE_S3_BUCKET: 'imagegate',
      IMAGEGATE_S3_PATH_STYLE: 'true',
      AWS_ENDPOINT_URL_S3: s3.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: FAKE_S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: FAKE_S3_CREDENTIALS.secretAccessKey,
    };
    // One after the other, as compose starts them after `migrate`; the admin key is shared by startGateway.
    for (let i = 0; i < 2; i++) gateways.push(await startGateway({ databaseUrl, env: shared }));
    nginx = await startNginx(composeBalancer(listen, [Number(new URL(gateways[0]!.url).port), Number(new URL(gateways[1]!.url).port)]), listen);
  }, 60_000);

  afterAll(async () => {
    nginx?.kill('SIGTERM');
    await Promise.all(gateways.map((g) => g.close()));
    gateways = [];
    await Promise.all([s3?.close(), redis?.stop()]);
  });

  it('serves through the balancer every hosted-image URL either instance signed, under the shared public URL', async () => {
    const { key } = await gateways[0]!.clientKey({ balance: 10_000_000 });
    const urls: string[] = [];
    for (const g of gateways) {
      const res = await fetch(`${g.url}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'local', prompt: 'a square', size: '256x256', response_format: 'url' }),
      });
      expect(res.status).toBe(200);
      const url = ((await res.json()) as { data: Array<{ url: string }> }).data[0]!.url;
      expect(url.startsWith(`${publicUrl}/`)).toBe(true);
      urls.push(url);
    }
    // Round robin: each URL is fetched from both instances.
    for (const url of urls)
      for (let i = 0; i < 2; i++) {
        const res = await fetch(url);
        expect(res.status, url).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^image\//);
      }
  });

  it('authenticates on each instance a key made on the other, and shows one balance', async () => {
    const { key } = await gateways[1]!.clientKey({ balance: 4_000_000 });
    for (const g of gateways) expect(await g.balance(key)).toMatchObject({ available: 4_000_000 });
  });
});
