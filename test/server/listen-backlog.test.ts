/**
 * The gateway's listening socket lets the kernel queue thousands of connections that arrive in one instant
 * (docs/performance.md, "Thousands of requests in flight"): with Node's default backlog of 511, a burst of
 * 5 000 clients had connections reset. Read from `ss`, which shows a listening socket's backlog as Send-Q.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';

const hasSs = (() => {
  try {
    execFileSync('ss', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasSs)('listen backlog', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('lets the kernel queue a burst of thousands of connections before the gateway accepts them', () => {
    const port = new URL(gw.url).port;
    const line = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim();
    const backlog = Number(line.split(/\s+/)[2]);
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    // The kernel caps it at net.core.somaxconn (4096 by default since Linux 5.4).
    expect(backlog).toBe(Math.min(4096, somaxconn));
  });
});
