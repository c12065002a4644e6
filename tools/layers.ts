/**
 * The import structure of src/, folder by folder: prints a table of which folder imports which (with counts)
 * and every import that runs up the layer order below. `npm run layers`; the architecture test runs the same
 * check, so an upward import fails `npm test`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Lowest first: a folder may import its own and lower folders only. Files at the top of src/ come last. */
export const LAYERS = [
  'bytes',
  'domain',
  'net',
  'catalog',
  'media',
  'limits',
  'store',
  'config',
  'billing',
  'providers',
  'pipeline',
  'dialects',
  'tasks',
  'server',
  '.',
  'cli',
] as const;

export interface Edge {
  from: string;
  to: string;
  count: number;
}

export interface Upward {
  file: string;
  imports: string;
}

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The top folder of a file under src/ ('.' for the files directly in src/). */
function folderOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? parts[0]! : '.';
}

export function importGraph(src = SRC): { edges: Edge[]; upward: Upward[]; unknown: string[] } {
  const counts = new Map<string, number>();
  const upward: Upward[] = [];
  const unknown = new Set<string>();
  for (const file of files(src)) {
    const text = readFileSync(file, 'utf8');
    const from = folderOf(file);
    for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)) {
      const target = resolve(dirname(file), m[1]!);
      if (!target.startsWith(SRC)) continue;
      const to = folderOf(target);
      if (to === from) continue;
      counts.set(`${from}\t${to}`, (counts.get(`${from}\t${to}`) ?? 0) + 1);
      const rank = (f: string) => (LAYERS as readonly string[]).indexOf(f);
      for (const f of [from, to]) if (rank(f) < 0) unknown.add(f);
      if (rank(to) > rank(from)) upward.push({ file: relative(SRC, file), imports: relative(SRC, target) });
    }
  }
  const edges = [...counts].map(([k, count]) => {
    const [from, to] = k.split('\t') as [string, string];
    return { from, to, count };
  });
  return { edges, upward, unknown: [...unknown] };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { edges, upward, unknown } = importGraph();
  const folders = [...new Set(edges.flatMap((e) => [e.from, e.to]))].sort((a, b) => LAYERS.indexOf(a as never) - LAYERS.indexOf(b as never));
  console.log(`folder → folders it imports (count); layer order, lowest first: ${LAYERS.join(' < ')}`);
  for (const f of folders) {
    const out = edges.filter((e) => e.from === f).map((e) => `${e.to} (${e.count})`);
    if (out.length) console.log(`  ${f.padEnd(10)} → ${out.join(', ')}`);
  }
  if (unknown.length) console.log(`folders not in the layer order: ${unknown.join(', ')}`);
  console.log(upward.length ? `${upward.length} imports run up:` : 'no import runs up');
  for (const u of upward) console.log(`  ${u.file} → ${u.imports}`);
  process.exitCode = upward.length || unknown.length ? 1 : 0;
}
