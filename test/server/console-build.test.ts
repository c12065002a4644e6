/**
 * The console as `npm run build` makes it: within its size budget (issue 24: 250 KB gzipped, everything the
 * browser loads), with content-hashed asset names, and loadable under the gateway's Content-Security-Policy.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/databases.js';
import { startGateway, type TestGateway } from '../support/gateway.js';

const BUDGET_BYTES = 250 * 1024;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe('the built console', () => {
  let out: string;
  let gw: TestGateway;
  beforeAll(async () => {
    out = tempDir('imagegate-console-build-');
    await build({ configFile: 'console/vite.config.ts', logLevel: 'silent', build: { outDir: out, emptyOutDir: true } });
    gw = await startGateway({ consoleDir: out });
  }, 120_000);
  afterAll(() => gw?.close());

  it('stays within 250 KB gzipped', () => {
    const sizes = files(out).map((f) => ({ file: relative(out, f), gz: gzipSync(readFileSync(f), { level: 9 }).length }));
    const total = sizes.reduce((n, s) => n + s.gz, 0);
    expect(total, JSON.stringify(sizes)).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it('names every asset by its content hash, so a year-long cache is safe', () => {
    const assets = readdirSync(join(out, 'assets'));
    expect(assets.length).toBeGreaterThan(0);
    for (const a of assets) expect(a).toMatch(/-[\w-]{8,}\.(js|css)$/);
  });

  it('serves an index whose scripts and styles are all same-origin assets the gateway has', async () => {
    const html = await (await fetch(`${gw.url}/console/`)).text();
    // No inline script or style: the Content-Security-Policy allows neither.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style/);
    const refs = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThanOrEqual(2);
    for (const ref of refs) {
      const res = await fetch(`${gw.url}${ref}`);
      expect(res.status, ref).toBe(200);
      expect(res.headers.get('cache-control'), ref).toContain('immutable');
    }
  });
});
