/** /readyz names each store the process depends on, and turns 503 for good once the process starts draining. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readiness } from '../../src/server/readiness.js';
import { startGateway, type TestGateway } from '../support/gateway.js';

describe('Readiness', () => {
  it('is ready when every probe answers, naming each one ok', async () => {
    const report = await new Readiness({ database: async () => {}, blobs: async () => {} }).report();
    expect(report).toEqual({ status: 200, body: { status: 'ready', checks: { database: 'ok', blobs: 'ok' }, draining: false } });
  });

  it('answers 503 naming the failing check, in the OpenAI error shape', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:6379'), { code: 'ECONNREFUSED' });
    const report = await new Readiness({ database: async () => {}, redis: () => Promise.reject(down) }).report();
    expect(report.status).toBe(503);
    expect(report.body).toMatchObject({ status: 'unavailable', checks: { database: 'ok', redis: 'failed: ECONNREFUSED' } });
    expect(report.body.error).toMatchObject({ code: 'service_unavailable', type: 'server_error' });
    expect(report.body.error!.message).toContain('redis');
    expect(JSON.stringify(report.body)).not.toContain('10.1.2.3');
  });

  it('counts a probe that does not answer in time as failed', async () => {
    const report = await new Readiness({ database: () => new Promise(() => undefined) }, 50).report();
    expect(report.status).toBe(503);
    expect(report.body.checks.database).toBe('timeout');
  });
});

describe('GET /readyz', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('reports the database and blob store, then 503 draining once the gateway starts draining', async () => {
    const before = await fetch(`${gw.url}/readyz`);
    expect(before.status).toBe(200);
    expect(await before.json()).toEqual({ status: 'ready', checks: { database: 'ok', blobs: 'ok' }, draining: false });
    gw.gateway.readiness.startDraining();
    const after = await fetch(`${gw.url}/readyz`);
    expect(after.status).toBe(503);
    expect(await after.json()).toMatchObject({ status: 'draining', draining: true, checks: { database: 'ok' }, error: { code: 'service_unavailable' } });
  });
});
