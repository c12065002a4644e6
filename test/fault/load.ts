/**
 * A mixed burst of client traffic against a fleet, recording what each client actually received: synchronous
 * b64 and url replies, n = 2, async submits, Idempotency-Key requests, and clients that hang up part-way.
 * A reply counts as received only when its whole body arrived and parsed.
 */
import type { Fleet } from './fleet.js';

export type Kind = 'b64' | 'url' | 'n2' | 'async' | 'idempotent' | 'hangup';

export interface Outcome {
  kind: Kind;
  status: number | 'network-error' | 'aborted';
  /** The hold of a fully received, successful synchronous reply. */
  receivedHold?: string;
  taskId?: string;
  idempotencyKey?: string;
  /** The exact body sent, for an Idempotency-Key retry. */
  body?: string;
  /** Our x-request-id, which the gateway keeps and writes on the request's hold. */
  requestId: string;
}

const KINDS: Kind[] = ['b64', 'url', 'n2', 'async', 'idempotent', 'hangup'];

async function one(url: string, key: string, kind: Kind, seq: number): Promise<Outcome> {
  const body: Record<string, unknown> = {
    model: 'fault-image',
    prompt: `fault ${kind} ${seq}`,
    n: kind === 'n2' ? 2 : 1,
    response_format: kind === 'url' ? 'url' : 'b64_json',
  };
  const requestId = `fault-${seq}-${Math.random().toString(36).slice(2, 10)}`;
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': requestId };
  const idempotencyKey = kind === 'idempotent' ? `idem-${seq}-${Math.random().toString(36).slice(2)}` : undefined;
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  if (kind === 'async') headers.prefer = 'respond-async';
  const sent = JSON.stringify(body);
  const ac = new AbortController();
  const hangup = kind === 'hangup' ? setTimeout(() => ac.abort(), 20 + Math.floor(Math.random() * 400)) : undefined;
  try {
    const res = await fetch(`${url}/v1/images/generations`, { method: 'POST', headers, body: sent, signal: ac.signal });
    const text = await res.text();
    const parsed = JSON.parse(text) as { id?: string; data?: unknown[]; imagegate?: { billing?: { billing_transaction_id: string } } };
    const out: Outcome = { kind, status: res.status, idempotencyKey, body: idempotencyKey ? sent : undefined, requestId };
    if (res.status === 202) out.taskId = parsed.id;
    else if (res.status === 200 && parsed.data?.length)
      out.receivedHold = parsed.imagegate?.billing?.billing_transaction_id ?? res.headers.get('x-billing-transaction-id') ?? undefined;
    return out;
  } catch (_e) {
    return { kind, status: ac.signal.aborted ? 'aborted' : 'network-error', idempotencyKey, body: idempotencyKey ? sent : undefined, requestId };
  } finally {
    clearTimeout(hangup);
  }
}

/** Sends `count` requests spread over the fleet's live members, `concurrency` at a time, kinds in rotation. */
export async function burst(fleet: Fleet, key: string, count: number, concurrency: number, seq0 = 0): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const live = fleet.live();
      if (!live.length) break;
      outcomes.push(await one(live[(seq0 + i) % live.length]!.url, key, KINDS[(seq0 + i) % KINDS.length]!, seq0 + i));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return outcomes;
}

/** Retries every Idempotency-Key request of a burst once more: after any fault it must answer, not hang or 409. */
export async function retryIdempotent(fleet: Fleet, key: string, outcomes: Outcome[]): Promise<Array<{ key: string; status: number; hold?: string }>> {
  const retried: Array<{ key: string; status: number; hold?: string }> = [];
  for (const o of outcomes) {
    if (!o.idempotencyKey || !o.body) continue;
    const res = await fetch(`${fleet.live()[0]!.url}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': o.idempotencyKey },
      body: o.body,
      signal: AbortSignal.timeout(30_000),
    }).catch(() => undefined);
    if (!res) {
      retried.push({ key: o.idempotencyKey, status: 0 });
      continue;
    }
    const parsed = (await res.json().catch(() => ({}))) as { imagegate?: { billing?: { billing_transaction_id: string } } };
    retried.push({ key: o.idempotencyKey, status: res.status, hold: parsed.imagegate?.billing?.billing_transaction_id });
  }
  return retried;
}
