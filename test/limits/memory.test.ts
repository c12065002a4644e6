import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MemoryRateLimiter } from '../../src/limits/memory.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const REPO = fileURLToPath(new URL('../..', import.meta.url));

describe('MemoryRateLimiter', () => {
  it('forgets keys that went idle: drained buckets and expired or released leases', async () => {
    const limiter = new MemoryRateLimiter();
    for (let i = 0; i < 1000; i++) await limiter.consume(`idle-${i}`, 10, 50, 3);
    for (let i = 0; i < 100; i++) await limiter.acquire(`lease-${i}`, 2, 50);
    const released = await limiter.acquire('released', 2, 60_000);
    expect(limiter.trackedKeys).toBe(1101);
    await released.release();
    // Releasing the last lease drops its key at once; the rest wait for the prune.
    expect(limiter.trackedKeys).toBe(1100);
    await sleep(80);
    limiter.prune();
    expect(limiter.trackedKeys).toBe(0);
    await limiter.close();
  });

  it('keeps the state of keys still in use when pruning', async () => {
    const limiter = new MemoryRateLimiter();
    await limiter.consume('busy', 2, 60_000, 2);
    const slot = await limiter.acquire('busy', 1, 60_000);
    limiter.prune();
    expect(limiter.trackedKeys).toBe(2);
    expect((await limiter.consume('busy', 2, 60_000)).allowed).toBe(false);
    expect((await limiter.acquire('busy', 1, 60_000)).allowed).toBe(false);
    await slot.release();
    await limiter.close();
  });

  it('prunes on its own timer', async () => {
    const limiter = new MemoryRateLimiter({ pruneEveryMs: 20 });
    await limiter.consume('short', 5, 30, 5);
    expect(limiter.trackedKeys).toBe(1);
    await sleep(120);
    expect(limiter.trackedKeys).toBe(0);
    await limiter.close();
  });

  it('does not keep the process alive: a script that never closes it still exits', async () => {
    const script = `import { MemoryRateLimiter } from './src/limits/memory.ts';
const l = new MemoryRateLimiter({ pruneEveryMs: 10 });
await l.consume('k', 1, 60000);
console.log('done');`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | string>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve('still running after 15 s');
      }, 15_000);
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c ?? 'signal');
      });
    });
    expect({ code, out: out.trim() }).toEqual({ code: 0, out: 'done' });
  });
});
