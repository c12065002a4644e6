/**
 * A log that cannot be written is not fatal: with stdout on a full device, the gateway starts, serves and
 * stays up, and says on stderr that log lines are being dropped.
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/databases.js';
import { ADMIN_KEY } from '../support/gateway.js';
import { freePort, startGatewayProcess } from '../support/process.js';

describe('log output', () => {
  let child: ChildProcess | undefined;
  afterAll(() => child?.kill('SIGKILL'));

  it('keeps serving when every log write fails with ENOSPC (stdout on /dev/full)', async () => {
    const port = await freePort();
    const full = openSync('/dev/full', 'w');
    let stderr = '';
    try {
      child = await startGatewayProcess(
        { HOST: '127.0.0.1', IMAGEGATE_DATA_DIR: tempDir(), IMAGEGATE_ADMIN_KEY: ADMIN_KEY, IMAGEGATE_LOG_LEVEL: 'info' },
        port,
        { stdout: full, stderr: 'pipe' },
      );
    } finally {
      closeSync(full); // the child holds its own copy
    }
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    let exited = false;
    child.on('exit', () => (exited = true));
    // Each of these writes log lines, every one of which fails.
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/v1/models`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      expect(res.status).toBe(200);
      await fetch(`http://127.0.0.1:${port}/v1/no-such-endpoint`);
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(exited).toBe(false);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect(stderr).toMatch(/writing the log failed \(ENOSPC\)/);
  }, 60_000);
});
