import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpFake, sendJson } from './http-fake.js';

let fake: HttpFake;
beforeAll(async () => {
  fake = await new HttpFake([{ method: 'GET', path: /^\/ok$/, handle: (_req, res) => sendJson(res, 200, { ok: true }) }]).start();
});
afterAll(async () => fake.close());

describe('fake upstream fault knobs', () => {
  it('leaves the fault knobs to later requests when the client of a slow request gave up', async () => {
    fake.knobs.latencyMs = 300;
    const giveUp = new AbortController();
    const abandoned = fetch(`${fake.url}/ok`, { signal: giveUp.signal });
    // The client gives up once the fake holds the request (waiting out its latency); on a busy machine a request
    // aborted earlier could reach the fake only after reset() and rightly count as a later test's request.
    while (fake.inFlight === 0) await new Promise((r) => setTimeout(r, 1));
    giveUp.abort();
    await expect(abandoned).rejects.toThrow();
    // The next test's knobs, set while the abandoned request still waits out its latency.
    fake.reset();
    fake.knobs.failNext = 1;
    await new Promise((r) => setTimeout(r, 400));
    expect((await fetch(`${fake.url}/ok`)).status).toBe(500);
    expect((await fetch(`${fake.url}/ok`)).status).toBe(200);
  });
});
