/**
 * deploy/imagegate.service as systemd reads it (`systemd-analyze verify`, where installed): no unknown keys or
 * bad values, and the settings docs/deploy.md promises (drain within the stop timeout, no restart on the exit
 * statuses a restart cannot help).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_ERROR_EXIT, SCHEMA_MISMATCH_EXIT } from '../../src/cli/exit-codes.js';
import { loadConfig } from '../../src/config/config.js';
import { tempDir } from '../support/databases.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const unit = readFileSync(join(root, 'deploy', 'imagegate.service'), 'utf8');
const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';

describe('deploy/imagegate.service', () => {
  it.runIf(existsSync(SYSTEMD_ANALYZE))('passes systemd-analyze verify without a complaint', () => {
    const dir = tempDir('imagegate-unit-');
    const file = join(dir, 'imagegate.service');
    // The unit names the installed path; verify checks that the program exists.
    writeFileSync(file, unit.replace('/opt/imagegate/bin/imagegate.js', join(root, 'bin', 'imagegate.js')));
    const run = spawnSync(SYSTEMD_ANALYZE, ['verify', file], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
  });

  it('waits longer than the default drain before it kills, and does not restart on a configuration or schema error', () => {
    const stopSeconds = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]);
    expect(stopSeconds * 1000).toBeGreaterThan(loadConfig({}).shutdownGraceMs);
    expect(/^RestartPreventExitStatus=(.*)$/m.exec(unit)?.[1]?.split(/\s+/).map(Number)).toEqual([CONFIG_ERROR_EXIT, SCHEMA_MISMATCH_EXIT]);
    expect(unit).toMatch(/^ExecStart=\/opt\/imagegate\/bin\/imagegate\.js serve$/m);
  });
});
