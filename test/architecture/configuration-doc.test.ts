/**
 * docs/configuration.md is the one configuration reference: every environment variable the code reads must
 * be in it. Read from the configuration schema, from direct `env` reads anywhere in src/, from the catalog's
 * provider variables, and from any IMAGEGATE_ name in src/ (the command line reads its own).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCatalogData } from '../../src/catalog/load.js';
import { CONFIG_VARIABLES } from '../../src/config/config.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.(ts|tsx|js|mjs)$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** `process.env.X`, `env.X`, `env['X']`, and every `IMAGEGATE_…` name, in the source text. */
function variablesInSource(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/\benv(?:\.([A-Z][A-Z0-9_]*)|\[\s*['"`]([A-Z][A-Z0-9_]*)['"`]\s*\])/g)) found.add((m[1] ?? m[2])!);
  for (const m of text.matchAll(/\bIMAGEGATE_[A-Z0-9_]*[A-Z0-9]\b/g)) found.add(m[0]);
  return [...found];
}

function catalogVariables(): string[] {
  return Object.values(loadCatalogData().providers).flatMap((p) => [p.key_env, p.base_url_env, p.token_env].filter((v): v is string => !!v));
}

describe('docs/configuration.md', () => {
  const doc = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8');
  const documented = new Set([...doc.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!));

  it('documents every variable the configuration schema reads', () => {
    expect(CONFIG_VARIABLES.length).toBeGreaterThan(40);
    expect(CONFIG_VARIABLES.filter((v) => !documented.has(v))).toEqual([]);
  });

  it('documents every variable read directly in src/ and bin/', () => {
    const read = new Set([...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'bin'))].flatMap((f) => variablesInSource(readFileSync(f, 'utf8'))));
    expect(read.has('IMAGEGATE_URL')).toBe(true);
    expect([...read].filter((v) => !documented.has(v)).sort()).toEqual([]);
  });

  it('documents every IMAGEGATE_ variable the tests, tools, benchmark and CI read', () => {
    const here = fileURLToPath(import.meta.url);
    const files = ['test', 'tools', 'bench', 'console/src'].flatMap((d) => sourceFiles(join(ROOT, d))).filter((f) => f !== here);
    const read = new Set(
      [...files, join(ROOT, '.ci/run')].flatMap((f) => variablesInSource(readFileSync(f, 'utf8')).filter((v) => v.startsWith('IMAGEGATE_'))),
    );
    expect(read.has('IMAGEGATE_TEST_DATABASE_URL')).toBe(true);
    expect([...read].filter((v) => !documented.has(v)).sort()).toEqual([]);
  });

  it('documents every provider key and endpoint variable of the built-in catalog', () => {
    const vars = catalogVariables();
    expect(vars).toContain('OPENAI_API_KEY');
    expect(vars.filter((v) => !documented.has(v))).toEqual([]);
  });

  it('finds a variable read through process.env, env.X and env["X"]', () => {
    expect(variablesInSource("process.env.FOO_BAR; config.env.BAZ; env['QUX_1']; const IMAGEGATE_NEW_THING = 1;").sort()).toEqual([
      'BAZ',
      'FOO_BAR',
      'IMAGEGATE_NEW_THING',
      'QUX_1',
    ]);
  });
});
