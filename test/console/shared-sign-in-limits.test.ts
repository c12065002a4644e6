/**
 * Sign-in failures count across instances: two gateways on one database and one Redis refuse the sixth
 * failure for an email wherever the first five happened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../limits/redis-server.js';
import { makeUser, signInRaw } from '../support/console.js';
import { databases } from '../support/databases.js';
import { startGateway, type TestGateway } from '../support/gateway.js';

describe('sign-in limits shared through Redis', () => {
  let redis: RedisServer;
  const gateways: TestGateway[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    const made = await databases()[databases().length - 1]!.make();
    for (let i = 0; i < 2; i++) {
      gateways.push(await startGateway({ databaseUrl: made.databaseUrl, dataDir: made.dataDir, env: { REDIS_URL: redis.url } }));
    }
  });
  afterAll(async () => {
    for (const gw of gateways) await gw.close();
    await redis?.stop();
  });

  it('refuses an email on one instance after failures spread over both', async () => {
    const [a, b] = gateways as [TestGateway, TestGateway];
    const user = await makeUser(a, { email: 'shared@example.test', role: 'operator' });
    for (const gw of [a, b, a, b, a]) expect((await signInRaw(gw, { email: user.email, password: 'wrong password' })).status).toBe(401);
    const refused = await signInRaw(b, { email: user.email, password: user.password });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).not.toBeNull();
  });
});
