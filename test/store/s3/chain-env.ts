/**
 * What the credential chain tests share: the chain opened from environment variables exactly as a
 * deployment sets them (through loadConfig), with HOME in a fresh directory so the machine's own ~/.aws is
 * never read, and a log that keeps every line.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadConfig } from '../../../src/config/config.js';
import { type ChainLog, type OpenChainOptions, openCredentialChain } from '../../../src/store/s3/credentials/chain.js';
import type { CredentialChainSettings } from '../../../src/store/s3/credentials/settings.js';

export class KeptLog implements ChainLog {
  readonly lines: string[] = [];
  info(obj: object, msg: string): void {
    this.lines.push(JSON.stringify({ level: 'info', ...obj, msg }));
  }
  warn(obj: object, msg: string): void {
    this.lines.push(JSON.stringify({ level: 'warn', ...obj, msg }));
  }
}

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

export function chainSettings(env: Record<string, string | undefined>): CredentialChainSettings {
  return loadConfig({ IMAGEGATE_S3_BUCKET: 'images', ...env }).s3!.credentials;
}

export async function openChain(env: Record<string, string | undefined>, o: OpenChainOptions = {}) {
  const log = new KeptLog();
  const chain = await openCredentialChain(chainSettings(env), { log, ...o });
  return { ...chain, log, current: await chain.credentials.get() };
}
