import { describe, expect, it } from 'vitest';
import { addressRefusal } from '../../src/net/address-policy.js';

describe('address policy: IPv4', () => {
  it.each([
    ['10.0.0.5', 'a private address'],
    ['172.16.0.1', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.168.1.1', 'a private address'],
  ])('refuses %s as a private address', (ip, why) => {
    expect(addressRefusal(ip)).toBe(why);
  });

  it('refuses loopback 127.0.0.1 and the rest of 127/8', () => {
    expect(addressRefusal('127.0.0.1')).toBe('a loopback address');
    expect(addressRefusal('127.255.0.9')).toBe('a loopback address');
  });

  it('refuses link-local 169.254.169.254 (the cloud metadata address)', () => {
    expect(addressRefusal('169.254.169.254')).toBe('a link-local address');
  });

  it('refuses CGNAT 100.64.0.1 and 100.127.255.254 but not 100.128.0.1 just outside 100.64/10', () => {
    expect(addressRefusal('100.64.0.1')).toBe('a carrier-grade NAT (shared) address');
    expect(addressRefusal('100.127.255.254')).toBe('a carrier-grade NAT (shared) address');
    expect(addressRefusal('100.128.0.1')).toBeUndefined();
  });

  it('refuses multicast 224.0.0.1 and 239.255.255.250', () => {
    expect(addressRefusal('224.0.0.1')).toBe('a multicast address');
    expect(addressRefusal('239.255.255.250')).toBe('a multicast address');
  });

  it('refuses unspecified 0.0.0.0 and the rest of 0/8', () => {
    expect(addressRefusal('0.0.0.0')).toBe('an unspecified ("this network") address');
    expect(addressRefusal('0.1.2.3')).toBe('an unspecified ("this network") address');
  });

  it('refuses the broadcast address 255.255.255.255 with its own reason, not as reserved 240/4', () => {
    expect(addressRefusal('255.255.255.255')).toBe('the broadcast address');
    expect(addressRefusal('255.255.255.254')).toBe('a reserved address');
  });

  it('refuses reserved 240/4, benchmarking 198.18/15, documentation and IETF ranges', () => {
    expect(addressRefusal('240.0.0.1')).toBe('a reserved address');
    expect(addressRefusal('198.18.0.1')).toBe('a benchmarking address');
    expect(addressRefusal('198.19.255.255')).toBe('a benchmarking address');
    expect(addressRefusal('192.0.2.10')).toBe('a documentation address');
    expect(addressRefusal('198.51.100.7')).toBe('a documentation address');
    expect(addressRefusal('203.0.113.9')).toBe('a documentation address');
    expect(addressRefusal('192.0.0.8')).toBe('an IETF protocol-assignment address');
    expect(addressRefusal('192.88.99.1')).toBe('a deprecated 6to4 relay address');
  });

  it('lets public addresses through, including neighbours of refused ranges', () => {
    for (const ip of ['8.8.8.8', '1.1.1.1', '93.184.216.34', '172.32.0.1', '172.15.255.255', '11.0.0.1', '198.20.0.1', '223.255.255.255', '169.255.0.1']) {
      expect(addressRefusal(ip), ip).toBeUndefined();
    }
  });
});

describe('address policy: IPv6', () => {
  it('refuses loopback ::1 in short and long form', () => {
    expect(addressRefusal('::1')).toBe('a loopback address');
    expect(addressRefusal('0:0:0:0:0:0:0:1')).toBe('a loopback address');
  });

  it('refuses the unspecified address ::', () => {
    expect(addressRefusal('::')).toBe('the unspecified address');
  });

  it('refuses link-local fe80::1, with or without a zone id', () => {
    expect(addressRefusal('fe80::1')).toBe('a link-local address');
    expect(addressRefusal('fe80::1%eth0')).toBe('a link-local address');
    expect(addressRefusal('febf::1')).toBe('a link-local address');
  });

  it('refuses unique-local fd00::1 and fc00::1', () => {
    expect(addressRefusal('fd00::1')).toBe('a unique-local address');
    expect(addressRefusal('fc00::1')).toBe('a unique-local address');
  });

  it('refuses multicast ff02::1', () => {
    expect(addressRefusal('ff02::1')).toBe('a multicast address');
  });

  it('refuses IPv4-mapped loopback in dotted and hex forms (::ffff:127.0.0.1, ::ffff:7f00:1)', () => {
    expect(addressRefusal('::ffff:127.0.0.1')).toBe('an IPv4-mapped address embedding 127.0.0.1, a loopback address');
    expect(addressRefusal('::ffff:7f00:1')).toBe('an IPv4-mapped address embedding 127.0.0.1, a loopback address');
    expect(addressRefusal('0:0:0:0:0:ffff:a9fe:a9fe')).toBe('an IPv4-mapped address embedding 169.254.169.254, a link-local address');
  });

  it('judges an IPv4-mapped public address by its IPv4 address and lets it through', () => {
    expect(addressRefusal('::ffff:8.8.8.8')).toBeUndefined();
  });

  it('refuses NAT64 64:ff9b::a00:1 embedding 10.0.0.1 but passes NAT64 of a public address', () => {
    expect(addressRefusal('64:ff9b::a00:1')).toBe('a NAT64 address embedding 10.0.0.1, a private address');
    expect(addressRefusal('64:ff9b::10.0.0.1')).toBe('a NAT64 address embedding 10.0.0.1, a private address');
    expect(addressRefusal('64:ff9b::808:808')).toBeUndefined();
    expect(addressRefusal('64:ff9b:1::1')).toBe('a local-use NAT64 address');
  });

  it('refuses 6to4 2002:c0a8:101:: embedding 192.168.1.1 but passes 6to4 of a public address', () => {
    expect(addressRefusal('2002:c0a8:101::1')).toBe('a 6to4 address embedding 192.168.1.1, a private address');
    expect(addressRefusal('2002:7f00:1::')).toBe('a 6to4 address embedding 127.0.0.1, a loopback address');
    expect(addressRefusal('2002:808:808::1')).toBeUndefined();
  });

  it('refuses documentation, Teredo, benchmarking, discard and site-local ranges', () => {
    expect(addressRefusal('2001:db8::1')).toBe('a documentation address');
    expect(addressRefusal('2001:0:4136:e378::1')).toBe('a Teredo tunnelling address');
    expect(addressRefusal('2001:2::1')).toBe('a benchmarking address');
    expect(addressRefusal('100::1')).toBe('a discard-only address');
    expect(addressRefusal('fec0::1')).toBe('a deprecated site-local address');
  });

  it('refuses anything outside global unicast 2000::/3, e.g. the deprecated IPv4-compatible ::7f00:1', () => {
    expect(addressRefusal('::7f00:1')).toBe('a reserved address (outside IPv6 global unicast 2000::/3)');
    expect(addressRefusal('4000::1')).toBe('a reserved address (outside IPv6 global unicast 2000::/3)');
  });

  it('lets public global unicast addresses through', () => {
    for (const ip of ['2606:4700:4700::1111', '2001:4860:4860::8888', '2a00:1450:4001:80b::200e', '2620:fe::fe']) {
      expect(addressRefusal(ip), ip).toBeUndefined();
    }
  });
});

describe('address policy: input', () => {
  it('refuses strings that are not IP addresses', () => {
    for (const s of ['localhost', '1.2.3', '256.1.1.1', '::g', '', '01.2.3.4']) expect(addressRefusal(s), s).toBe('not an IP address');
  });
});
