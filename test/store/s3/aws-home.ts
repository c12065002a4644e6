/** A fresh HOME for AWS's shared files, and files written under it. Loads nothing of the chain. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A fresh HOME; `files` are written under it (e.g. `.aws/credentials`). */
export function freshHome(files: Record<string, string> = {}): string {
  const home = mkdtempSync(join(tmpdir(), 'imagegate-aws-'));
  for (const [path, text] of Object.entries(files)) writeFile(join(home, path), text);
  return home;
}

export function writeFile(path: string, text: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}
