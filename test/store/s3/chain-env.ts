/**
 * What the credential chain tests share: the chain opened from environment variables exactly as a
 * deployment sets them (through loadConfig), and a log that keeps every line. Tests set HOME to a fresh
 * directory (aws-home.ts) so the machine's own ~/.aws is never read.
 */
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

export function chainSettings(env: Record<string, string | undefined>): CredentialChainSettings {
  return loadConfig({ IMAGEGATE_S3_BUCKET: 'images', ...env }).s3!.credentials;
}

export async function openChain(env: Record<string, string | undefined>, o: OpenChainOptions = {}) {
  const log = new KeptLog();
  const chain = await openCredentialChain(chainSettings(env), { log, ...o });
  return { ...chain, log, current: await chain.credentials.get() };
}

export { freshHome, writeFile } from './aws-home.js';
