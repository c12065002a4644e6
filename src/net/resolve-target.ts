/**
 * From a URL to the addresses a fetch may connect to: the URL rules first, then our own DNS lookup, then
 * the address rules on EVERY answer — one bad address refuses the host, because the connection could go
 * to any of them.
 */
import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { addressRefusal } from './address-policy.js';
import { type CheckedUrl, judgeUrl } from './url-policy.js';

/** Resolves a host name to all its addresses, like `dns.promises.lookup(host, { all: true })`. */
export type LookupAll = (hostname: string) => Promise<LookupAddress[]>;

export const systemLookup: LookupAll = (hostname) => dnsLookup(hostname, { all: true });

export interface ConnectTarget extends CheckedUrl {
  /** Checked (or allowlisted) addresses; the connection must go to one of these. */
  addresses: LookupAddress[];
}

export type TargetJudgement = { ok: true; target: ConnectTarget } | { ok: false; reason: string };

export async function resolveTarget(raw: string, allowlist: readonly string[], lookup: LookupAll, signal: AbortSignal): Promise<TargetJudgement> {
  const judged = judgeUrl(raw, allowlist);
  if (!judged.ok) return judged;
  const checked = judged.target;
  const family = isIP(checked.host);
  // An IP-literal host was already judged by the URL rules.
  if (family) return { ok: true, target: { ...checked, addresses: [{ address: checked.host, family }] } };
  let addresses: LookupAddress[];
  try {
    addresses = await untilAborted(lookup(checked.host), signal);
  } catch (e) {
    if (signal.aborted) throw e;
    const code = (e as { code?: unknown }).code;
    return { ok: false, reason: `the host ${checked.host} could not be resolved${typeof code === 'string' ? ` (${code})` : ''}` };
  }
  if (addresses.length === 0) return { ok: false, reason: `the host ${checked.host} has no address` };
  if (!checked.allowlisted) {
    for (const { address } of addresses) {
      // The address itself stays out: DNS answers describe the gateway's network, not the client's input.
      const why = addressRefusal(address, { hideEmbedded: true });
      if (why) return { ok: false, reason: `the host ${checked.host} resolves to ${why}, which is not allowed here; only public http(s) URLs are allowed` };
    }
  }
  return { ok: true, target: { ...checked, addresses } };
}

/** The system resolver takes no signal; stop waiting for it when the fetch is out of time. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
