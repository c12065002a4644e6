/**
 * An undici Agent whose sockets can only go to addresses that were already checked. Whatever host name
 * the request carries, the socket's DNS step answers with the pinned list, so a second, different DNS
 * answer (DNS rebinding) can never be used. The URL keeps its host name, so the Host header and the TLS
 * servername (SNI and certificate verification) are still those of the real host.
 */
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent } from 'undici';

export function pinnedAgent(addresses: readonly LookupAddress[]): Agent {
  if (addresses.length === 0) throw new Error('pinnedAgent needs at least one address');
  const pinned: LookupFunction = (_hostname, options, callback) => {
    // Node asks for all addresses when it races IPv4 and IPv6 (autoSelectFamily), one address otherwise.
    if (options.all)
      callback(
        null,
        addresses.map((a) => ({ address: a.address, family: a.family })),
      );
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  };
  // One request per agent: the agent is thrown away after the response, so nothing is kept alive.
  return new Agent({ connect: { lookup: pinned }, connections: 1, pipelining: 0 });
}
