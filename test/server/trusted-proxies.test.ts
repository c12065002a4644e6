/**
 * Behind a reverse proxy every connection comes from the proxy: IMAGEGATE_TRUSTED_PROXIES names the proxies
 * whose X-Forwarded-For says who the client is. Anyone else's X-Forwarded-For is ignored, so a client cannot
 * pick the address its per-address limits count against.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { ADMIN_KEY, startGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

/** An admin credit sent with this X-Forwarded-For; the address the audit log recorded for it. */
async function auditedAddress(g: TestGateway, forwardedFor: string): Promise<string | null> {
  const { accountId } = await g.clientKey();
  const res = await fetch(`${g.url}/v1/admin/accounts/${accountId}/credit`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ amount: 1, note: 'proxy test' }),
  });
  expect(res.status).toBe(200);
  const audit = (await g.admin('/v1/admin/audit?limit=50')).body as { data: Array<{ actor_ip: string | null; target_id?: string; note?: string }> };
  const entry = audit.data.find((e) => JSON.stringify(e).includes(accountId) && JSON.stringify(e).includes('proxy test'));
  expect(entry).toBeDefined();
  return entry!.actor_ip;
}

describe('IMAGEGATE_TRUSTED_PROXIES', () => {
  it('takes the client address from X-Forwarded-For of a trusted proxy', async () => {
    gw = await startGateway({ env: { IMAGEGATE_TRUSTED_PROXIES: '127.0.0.1, ::1' } });
    expect(await auditedAddress(gw, '203.0.113.9')).toBe('203.0.113.9');
  });

  it('ignores X-Forwarded-For when no proxy is trusted (the default)', async () => {
    gw = await startGateway();
    expect(await auditedAddress(gw, '203.0.113.9')).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
  });

  it('refuses at start an entry that is neither an address nor a CIDR range', () => {
    expect(() => loadConfig({ IMAGEGATE_TRUSTED_PROXIES: '10.0.0.0/8,proxy.internal' })).toThrow(ConfigError);
    expect(() => loadConfig({ IMAGEGATE_TRUSTED_PROXIES: '10.0.0.0/33' })).toThrow(/IMAGEGATE_TRUSTED_PROXIES/);
    expect(loadConfig({ IMAGEGATE_TRUSTED_PROXIES: '10.0.0.0/8, fd00::/8' }).trustedProxies).toEqual(['10.0.0.0/8', 'fd00::/8']);
  });
});
