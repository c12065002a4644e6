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
});
