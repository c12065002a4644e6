import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { CallSignal } from '../../src/providers/call-signal.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('CallSignal', () => {
  it('fires as a timeout when the call runs out of time', async () => {
    const call = new CallSignal(new AbortController().signal, 20);
    expect(call.signal.aborted).toBe(false);
    await sleep(60);
    expect(call.signal.aborted).toBe(true);
    expect(call.timedOut).toBe(true);
    expect((call.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it("fires with the client's reason when the client leaves, and not as a timeout", () => {
    const client = new AbortController();
    const call = new CallSignal(client.signal, 60_000);
    const reason = new Error('client gone');
    client.abort(reason);
    expect(call.signal.aborted).toBe(true);
    expect(call.signal.reason).toBe(reason);
    expect(call.timedOut).toBe(false);
  });

  it('is aborted from the start when the client already left', () => {
    const client = new AbortController();
    client.abort(new Error('gone before the call'));
    const call = new CallSignal(client.signal, 60_000);
    expect(call.signal.aborted).toBe(true);
    expect(call.timedOut).toBe(false);
  });

  it('never fires once the call is done: its timer is cleared and the client no longer listened to', async () => {
    const client = new AbortController();
    const call = new CallSignal(client.signal, 20);
    call.done();
    await sleep(60);
    client.abort();
    expect(call.signal.aborted).toBe(false);
    expect(call.timedOut).toBe(false);
  });

  it('stops an undici request in flight when it fires, with its reason', async () => {
    // An upstream that never answers.
    const server = createServer(() => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const client = new AbortController();
      const call = new CallSignal(client.signal, 60_000);
      const pending = request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { signal: call.signal });
      const reason = new Error('client gone mid-call');
      setTimeout(() => client.abort(reason), 20);
      await expect(pending).rejects.toBe(reason);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
