/**
 * Which IP addresses a client-supplied URL may reach: public unicast only. Each refused range carries the
 * reason the caller is shown.
 *
 * The tables are matched longest-prefix-first, so a specific entry (the broadcast address) wins over the
 * block that holds it (240/4) and entry order does not matter. Each table starts with a catch-all: IPv4 is
 * public unless listed, IPv6 is refused unless it is global unicast (2000::/3) — the v6 space is mostly
 * unassigned, and "allow only what is known routable" is the only exact rule there.
 *
 * Addresses are parsed here rather than with node:net BlockList because BlockList's handling of
 * IPv4-mapped, NAT64 and 6to4 forms is not specified, and those are exactly the SSRF bypasses that matter.
 */
import { isIP } from 'node:net';

type Verdict =
  | { kind: 'public' }
  | { kind: 'refused'; reason: string }
  /** The IPv6 address carries an IPv4 address (at `bitOffset` from the top) whose own verdict decides. */
  | { kind: 'embeds-v4'; label: string; bitOffset: number };

const PUBLIC: Verdict = { kind: 'public' };
const refused = (reason: string): Verdict => ({ kind: 'refused', reason });
const embedsV4 = (label: string, bitOffset: number): Verdict => ({ kind: 'embeds-v4', label, bitOffset });

const PRIVATE = refused('a private address');
const DOCUMENTATION = refused('a documentation address');

const V4_TABLE: ReadonlyArray<readonly [cidr: string, verdict: Verdict]> = [
  ['0.0.0.0/0', PUBLIC],
  ['0.0.0.0/8', refused('an unspecified ("this network") address')],
  ['10.0.0.0/8', PRIVATE],
  ['100.64.0.0/10', refused('a carrier-grade NAT (shared) address')],
  ['127.0.0.0/8', refused('a loopback address')],
  ['169.254.0.0/16', refused('a link-local address')],
  ['172.16.0.0/12', PRIVATE],
  ['192.0.0.0/24', refused('an IETF protocol-assignment address')],
  ['192.0.2.0/24', DOCUMENTATION],
  ['192.88.99.0/24', refused('a deprecated 6to4 relay address')],
  ['192.168.0.0/16', PRIVATE],
  ['198.18.0.0/15', refused('a benchmarking address')],
  ['198.51.100.0/24', DOCUMENTATION],
  ['203.0.113.0/24', DOCUMENTATION],
  ['224.0.0.0/4', refused('a multicast address')],
  ['240.0.0.0/4', refused('a reserved address')],
  ['255.255.255.255/32', refused('the broadcast address')],
];

const V6_TABLE: ReadonlyArray<readonly [cidr: string, verdict: Verdict]> = [
  ['::/0', refused('a reserved address (outside IPv6 global unicast 2000::/3)')],
  ['2000::/3', PUBLIC],
  ['::/128', refused('the unspecified address')],
  ['::1/128', refused('a loopback address')],
  ['::ffff:0:0/96', embedsV4('an IPv4-mapped address', 96)],
  ['64:ff9b::/96', embedsV4('a NAT64 address', 96)],
  ['64:ff9b:1::/48', refused('a local-use NAT64 address')],
  ['100::/64', refused('a discard-only address')],
  ['2001::/23', refused('an IETF protocol-assignment address')],
  ['2001::/32', refused('a Teredo tunnelling address')],
  ['2001:2::/48', refused('a benchmarking address')],
  ['2001:db8::/32', DOCUMENTATION],
  ['2002::/16', embedsV4('a 6to4 address', 16)],
  ['3fff::/20', DOCUMENTATION],
  ['fc00::/7', refused('a unique-local address')],
  ['fe80::/10', refused('a link-local address')],
  ['fec0::/10', refused('a deprecated site-local address')],
  ['ff00::/8', refused('a multicast address')],
];

interface Range {
  base: bigint;
  prefix: number;
  verdict: Verdict;
}

function compile(table: ReadonlyArray<readonly [string, Verdict]>, bits: 32 | 128): Range[] {
  return table
    .map(([cidr, verdict]) => {
      const [addr, len] = cidr.split('/') as [string, string];
      const value = bits === 32 ? parseV4(addr) : parseV6(addr);
      if (value === undefined) throw new Error(`bad CIDR in address table: ${cidr}`);
      return { base: value, prefix: Number(len), verdict };
    })
    .sort((a, b) => b.prefix - a.prefix);
}

const V4_RANGES = compile(V4_TABLE, 32);
const V6_RANGES = compile(V6_TABLE, 128);

function lookup(value: bigint, ranges: Range[], bits: number): Verdict {
  for (const r of ranges) {
    const shift = BigInt(bits - r.prefix);
    if (value >> shift === r.base >> shift) return r.verdict;
  }
  // Unreachable: each table has a /0 entry.
  return refused('an unclassified address');
}

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    value = (value << 8n) | BigInt(p);
  }
  return value;
}

function parseV6(s: string): bigint | undefined {
  const text = s.split('%')[0]!; // a zone id only scopes link-local addresses, which are refused anyway
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  // A trailing dotted quad stands for the last two groups.
  const last = (tail.length ? tail : head).at(-1);
  if (last?.includes('.')) {
    const v4 = parseV4(last);
    if (v4 === undefined) return undefined;
    const words = [(v4 >> 16n).toString(16), (v4 & 0xffffn).toString(16)];
    (tail.length ? tail : head).splice(-1, 1, ...words);
  }
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  let value = 0n;
  for (const g of [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail]) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
    value = (value << 16n) | BigInt(parseInt(g, 16));
  }
  return value;
}

function formatV4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
}

/**
 * Why `ip` may not be reached from a client-supplied URL, or undefined when it is a public address. With
 * `hideEmbedded` the reason names no address at all, for addresses the client did not write (DNS answers).
 */
export function addressRefusal(ip: string, opts: { hideEmbedded?: boolean } = {}): string | undefined {
  const family = isIP(ip);
  if (family === 4) {
    const verdict = lookup(parseV4(ip)!, V4_RANGES, 32);
    return verdict.kind === 'refused' ? verdict.reason : undefined;
  }
  const value = family === 6 ? parseV6(ip) : undefined;
  if (value === undefined) return 'not an IP address';
  const verdict = lookup(value, V6_RANGES, 128);
  if (verdict.kind === 'public') return undefined;
  if (verdict.kind === 'refused') return verdict.reason;
  const inner = formatV4((value >> BigInt(128 - verdict.bitOffset - 32)) & 0xffffffffn);
  const why = addressRefusal(inner);
  return why ? `${verdict.label} embedding ${opts.hideEmbedded ? 'an IPv4 address that is' : `${inner},`} ${why}` : undefined;
}
