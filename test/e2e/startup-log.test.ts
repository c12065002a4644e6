/**
 * What `imagegate serve` says at start: the catalog models that are not offered and what offers each, and on a
 * first start how to fund the account of the first key.
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/databases.js';
import { ADMIN_KEY } from '../support/gateway.js';
import { freePort, startGatewayProcess } from '../support/process.js';
import { pollValue } from '../support/wait.js';

describe('start-up log', () => {
  let child: ChildProcess | undefined;
  afterAll(() => child?.kill('SIGKILL'));

  it('lists the models not offered with the variable that would enable each', async () => {
    const dataDir = tempDir();
    const logFile = join(dataDir, 'log.jsonl');
    const out = openSync(logFile, 'w');
    try {
      const env = { HOST: '127.0.0.1', IMAGEGATE_DATA_DIR: dataDir, IMAGEGATE_ADMIN_KEY: ADMIN_KEY, IMAGEGATE_LOG_LEVEL: 'info', OPENAI_API_KEY: '' };
      child = await startGatewayProcess({ ...env, GEMINI_API_KEY: 'sk-fake-gemini' }, await freePort(), { stdout: out });
    } finally {
      closeSync(out);
    }
    const notOfferedLine = async () =>
      readFileSync(logFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { msg: string; not_offered?: Record<string, string> })
        .find((l) => l.not_offered);
    const line = await pollValue(notOfferedLine, (l) => l !== undefined, 10_000);
    expect(line).toBeDefined();
    if (!line) return;
    expect(line.msg).toMatch(/models not offered/);
    expect(line.not_offered!['dall-e-3']).toBe('OPENAI_API_KEY or AZURE_OPENAI_ENDPOINT with AZURE_OPENAI_API_KEY');
    expect(Object.values(line.not_offered!).some((v) => v.includes('ARK_API_KEY'))).toBe(true);
    // A model whose provider is configured is offered, so it is not listed.
    expect(Object.keys(line.not_offered!)).not.toContain('local');
    expect(Object.values(line.not_offered!).some((v) => v.includes('GEMINI_API_KEY'))).toBe(false);
  }, 60_000);

  it('tells the first start how to fund the account a new key will spend', async () => {
    const env = { HOST: '127.0.0.1', IMAGEGATE_DATA_DIR: tempDir(), IMAGEGATE_LOG_LEVEL: 'silent' };
    const first = await startGatewayProcess(env, await freePort(), { stderr: 'pipe' });
    let stderr = '';
    first.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const said = await pollValue(
        async () => stderr,
        (s) => s.includes('keys create'),
        10_000,
      );
      expect(said).toMatch(/imagegate admin key \(shown once/);
      expect(said).toContain('npx imagegate accounts create my-app --credit 10');
      expect(said).toContain('npx imagegate keys create --name my-app --account acct_');
    } finally {
      first.kill('SIGKILL');
    }
  }, 60_000);
});
