/**
 * docs/cli.md documents every command the CLI registers, each under its own heading with each of its
 * options, and the global options under "Global options". The tree comes from the program main.ts builds.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CommandNode } from '../support/cli-tree.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function registeredCommands(): Promise<CommandNode[]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--import', './test/support/cli-tree.ts', 'src/cli/main.ts'],
      { cwd: root, timeout: 60_000 },
      (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as CommandNode[])),
    );
  });
}

/** The text under each heading, keyed by the heading. */
function sections(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  let heading = '';
  for (const line of markdown.split('\n')) {
    const h = /^#{1,4} (.*)$/.exec(line);
    if (h) heading = h[1]!;
    else out.set(heading, `${out.get(heading) ?? ''}${line}\n`);
  }
  return out;
}

describe('docs/cli.md', { timeout: 60_000 }, () => {
  it('documents every registered command with each of its options', async () => {
    const docs = sections(readFileSync(`${root}/docs/cli.md`, 'utf8'));
    const commands = await registeredCommands();
    expect(commands.map((c) => c.path)).toContain('keys create');
    const missing: string[] = [];
    for (const c of commands) {
      // Groups (`keys`) are documented by their commands.
      if (commands.some((o) => o.path.startsWith(`${c.path} `)) && c.path !== '') continue;
      const heading =
        c.path === '' ? 'Global options' : [...docs.keys()].find((h) => h === `\`imagegate ${c.path}\`` || h.startsWith(`\`imagegate ${c.path} `));
      const text = heading === undefined ? undefined : docs.get(heading);
      if (text === undefined) {
        missing.push(`imagegate ${c.path}`);
        continue;
      }
      for (const o of c.options) if (o !== '--version' && !text.includes(o)) missing.push(`imagegate ${c.path} ${o}`);
    }
    expect(missing).toEqual([]);
  });
});
