/**
 * The AWS credential chain, in the SDKs' order: environment, shared config and credentials files, web
 * identity, then container credentials if their variables are set, else EC2 instance metadata. The first
 * link that has credentials gives them; a link that is set up but fails stops the chain. Temporary
 * credentials are refreshed from the link that gave them. gateway.ts imports this module only when S3 is
 * configured.
 */
import type { Dispatcher } from 'undici';
import { containerSource } from './container.js';
import { environmentSource } from './environment.js';
import { CredentialError } from './errors.js';
import { instanceMetadataSource } from './instance-metadata.js';
import { RefreshingCredentials, type RefreshTiming } from './refreshing.js';
import type { CredentialChainSettings } from './settings.js';
import { sharedFilesSource } from './shared-files.js';
import { type CredentialProvider, type CredentialSource, type LoadedCredentials, staticCredentials } from './types.js';
import { webIdentitySource } from './web-identity.js';

/** What the chain tells the log: which link answered and until when; never a key. */
export interface ChainLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface OpenChainOptions {
  log?: ChainLog;
  timing?: RefreshTiming;
  dispatcher?: Dispatcher;
}

export interface OpenedChain {
  credentials: CredentialProvider;
  /** The link that gave the credentials: "environment", "web identity", … */
  source: string;
}

export function credentialSources(s: CredentialChainSettings, dispatcher?: Dispatcher): CredentialSource[] {
  const call = { timeoutMs: s.metadataTimeoutMs, attempts: s.metadataAttempts, dispatcher };
  return [
    environmentSource(s.environment),
    sharedFilesSource(s.sharedFiles, s.stsEndpoint, dispatcher),
    webIdentitySource(s.webIdentity, s.stsEndpoint, dispatcher),
    // As in the SDKs: container credentials when their variables are set, instance metadata otherwise.
    s.container.relativeUri || s.container.fullUri ? containerSource(s.container, call) : instanceMetadataSource(s.instanceMetadata, call),
  ];
}

/** Walks the chain once (so a start without credentials fails at once, saying what it tried) and keeps the answer fresh. */
export async function openCredentialChain(s: CredentialChainSettings, o: OpenChainOptions = {}): Promise<OpenedChain> {
  const { source, credentials } = await firstAnswer(credentialSources(s, o.dispatcher));
  o.log?.info({ source: source.name, ...expiryOf(credentials) }, `S3 credentials from ${source.name}`);
  if (credentials.expiresAt === undefined) return { credentials: staticCredentials(credentials), source: source.name };
  const refreshing = new RefreshingCredentials(
    async () => {
      const answer = await source.load().catch((err: unknown) => {
        throw err instanceof CredentialError ? new CredentialError(`S3 credentials: ${source.name}: ${err.message}`) : err;
      });
      if ('skipped' in answer) throw new CredentialError(`S3 credentials: ${source.name} no longer gives credentials: ${answer.skipped}`);
      o.log?.info({ source: source.name, ...expiryOf(answer.credentials) }, `S3 credentials refreshed from ${source.name}`);
      return answer.credentials;
    },
    {
      timing: o.timing,
      initial: credentials,
      onBackgroundFailure: (err) =>
        o.log?.warn(
          { source: source.name, err: { message: (err as Error).message } },
          'S3 credentials refresh failed; the current ones are used until they expire',
        ),
    },
  );
  return { credentials: refreshing, source: source.name };
}

async function firstAnswer(sources: CredentialSource[]): Promise<{ source: CredentialSource; credentials: LoadedCredentials }> {
  const tried: string[] = [];
  for (const source of sources) {
    let answer: Awaited<ReturnType<CredentialSource['load']>>;
    try {
      answer = await source.load();
    } catch (err) {
      if (!(err instanceof CredentialError)) throw err;
      throw new CredentialError(`S3 credentials: ${source.name}: ${err.message}${tried.length ? ` (before it: ${tried.join('; ')})` : ''}`);
    }
    if ('credentials' in answer) return { source, credentials: answer.credentials };
    tried.push(`${source.name}: ${answer.skipped}`);
  }
  throw new CredentialError(`S3 credentials: none found in the AWS credential chain. ${tried.join('; ')}`);
}

const expiryOf = (c: LoadedCredentials) => (c.expiresAt === undefined ? {} : { expires_at: new Date(c.expiresAt).toISOString() });
