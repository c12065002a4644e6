/**
 * `imagegate serve` with IMAGEGATE_PROCESSES=2: one port served by two gateway processes under a primary that
 * replaces a worker that dies and drains them all on SIGTERM.
 */
import type { ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { tempDir } from '../support/databases.js';
import { ADMIN_KEY, postJson } from '../support/gateway.js';
import { freePort, fundedKey, gatewayChildren, processesAnswering, processEnv, startGatewayProcess } from '../support/process.js';
import { openaiImageModel, overlayOf } from '../support/overlays.js';
import { pollValue } from '../support/wait.js';

/** A primary with two gateway processes on a fresh data dir; resolves once the port answers. */
async function startTwoProcesses(): Promise<{ primary: ChildProcess; base: string; log: () => string }> {
  const port = await freePort();
  const dataDir = tempDir();
  const env = processEnv({
    dataDir,
    overlay: overlayOf(openaiImageModel('slow-image', 1000)),
    openaiUrl: openai.url,
    extra: { IMAGEGATE_PROCESSES: '2', IMAGEGATE_LOG_LEVEL: 'warn' },
  });
  const logFile = join(dataDir, 'gateway.log');
  const primary = await startGatewayProcess(env, port, { stdout: openSync(logFile, 'w') });
  started.push(primary);
  const base = `http://127.0.0.1:${port}`;
  // The port answers once the first process listens; the second starts after it.
  expect(
    await pollValue(
      () => processesAnswering(base),
      (seen) => seen.size === 2,
      60_000,
    ),
  ).toEqual(new Set(['0', '1']));
  return { primary, base, log: () => readFileSync(logFile, 'utf8') };
}

/** The exit code of `child`, or 'still running' after `ms`. */
function exitWithin(child: ChildProcess, ms: number): Promise<number | null | 'still running'> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('still running'), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

let openai: OpenAIFake;
const started: ChildProcess[] = [];
let primary: ChildProcess;
let base: string;
let log: () => string;

beforeAll(async () => {
  openai = await startOpenAIFake();
  ({ primary, base, log } = await startTwoProcesses());
}, 60_000);
afterAll(async () => {
  for (const p of started) {
    const children = p.pid ? gatewayChildren(p.pid) : [];
    p.kill('SIGKILL');
    for (const pid of children) process.kill(pid, 'SIGKILL');
  }
  await openai?.close();
});

describe('serve with several processes', () => {
  it('serves one port from two gateway processes', async () => {
    const children = await pollValue(
      async () => gatewayChildren(primary.pid!),
      (c) => c.length === 2,
      30_000,
    );
    expect(children).toHaveLength(2);
    const { key } = await fundedKey(base, 'two-processes', 1_000_000);
    const answers = await Promise.all(Array.from({ length: 6 }, () => postJson(`${base}/v1/images/generations`, key, { model: 'slow-image', prompt: 'p' })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
  }, 60_000);

  it('warns at start that without REDIS_URL each process keeps its own rate limits', () => {
    expect(log()).toContain('REDIS_URL is not set: each gateway process keeps its own rate limits');
  });

  it('warns at start that on SQLite the processes’ writes wait on each other', () => {
    expect(log()).toContain('DATABASE_URL is not set: the processes share one SQLite file and their writes wait on each other');
  });

  it('refuses a key revoked through one process on the other at once', async () => {
    const { key } = await fundedKey(base, 'revoked', 1_000_000);
    // Fresh connections spread over both processes (each accepts from the shared socket): both now hold the
    // key in cache, and would keep it for a second without a notice.
    const modelsWith = (k: string) => fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${k}`, connection: 'close' } }).then((r) => r.status);
    const eight = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(new Set(await Promise.all(eight.map(() => modelsWith(key))))).toEqual(new Set([200]));
    const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json', connection: 'close' };
    const list = (await (await fetch(`${base}/v1/admin/keys?q=revoked`, { headers: admin })).json()) as { data: Array<{ id: string; name: string }> };
    const id = list.data.find((k) => k.name === 'revoked')!.id;
    expect((await fetch(`${base}/v1/admin/keys/${id}/revoke`, { method: 'POST', headers: admin, body: '{}' })).status).toBe(200);
    // The notice crosses processes by IPC, a moment after the revoke's answer: well within the 1 s the caches
    // would otherwise keep the key.
    const answers = await pollValue(
      () => Promise.all(eight.map(() => modelsWith(key))),
      (a) => a.every((s) => s === 401),
      500,
    );
    expect(answers).toEqual(eight.map(() => 401));
  }, 60_000);

  it('replaces a gateway process that dies, and keeps answering', async () => {
    const [victim, survivor] = gatewayChildren(primary.pid!);
    process.kill(victim!, 'SIGKILL');
    const after = await pollValue(
      async () => gatewayChildren(primary.pid!),
      (c) => c.length === 2 && !c.includes(victim!),
      30_000,
    );
    expect(after).toContain(survivor);
    expect(after).not.toContain(victim);
    // Fresh connections: one kept alive to the dead process would be reset.
    const ready = await pollValue(
      async () => (await fetch(`${base}/readyz`, { headers: { connection: 'close' } }).catch(() => undefined))?.status,
      (s) => s === 200,
      30_000,
    );
    expect(ready).toBe(200);
  }, 60_000);

  it('drains every process on SIGTERM: a request in flight is answered, then all exit cleanly', async () => {
    const { key } = await fundedKey(base, 'drain', 1_000_000);
    openai.knobs.latencyMs = 2500;
    const inFlight = postJson(`${base}/v1/images/generations`, key, { model: 'slow-image', prompt: 'slow' }, { connection: 'close' });
    await new Promise((r) => setTimeout(r, 800));
    const exited = new Promise<number | null>((r) => primary.once('exit', (code) => r(code)));
    primary.kill('SIGTERM');
    expect((await inFlight).status).toBe(200);
    expect(await exited).toBe(0);
  }, 60_000);

  it('drains a gateway process that is still starting when SIGTERM comes, and exits', async () => {
    const { primary: own } = await startTwoProcesses();
    const before = await pollValue(
      async () => gatewayChildren(own.pid!),
      (c) => c.length === 2,
      30_000,
    );
    process.kill(before[0]!, 'SIGKILL');
    // The replacement exists as a process well before it listens (loading the gateway takes a second or more).
    const replaced = await pollValue(
      async () => gatewayChildren(own.pid!),
      (c) => c.length === 2 && !c.includes(before[0]!),
      30_000,
    );
    expect(replaced).not.toContain(before[0]);
    own.kill('SIGTERM');
    // It drains once it listens: loading the gateway takes 1–20 s on a loaded machine.
    expect(await exitWithin(own, 60_000)).toBe(0);
  }, 150_000);
});
