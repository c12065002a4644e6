/**
 * What the S3 store signs with, and the pieces of the AWS credential chain that find it. The chain lives in
 * this folder and is imported only when S3 is configured (gateway.ts loads chain.ts dynamically).
 */
import type { AwsCredentials } from '../sigv4.js';

export interface LoadedCredentials extends AwsCredentials {
  /** Unix milliseconds after which AWS refuses them (temporary credentials); absent for long-term keys. */
  expiresAt?: number;
}

/** The credentials to sign the next request with; temporary ones are refreshed before they expire. */
export interface CredentialProvider {
  get(): Promise<LoadedCredentials>;
}

/**
 * What one link of the chain found: credentials, or why it does not apply here (its variables or files are
 * absent), so the chain moves on and can say what it tried. A link that applies but cannot deliver throws a
 * CredentialError instead: falling through to the next would hide the misconfiguration.
 */
export type SourceAnswer = { credentials: LoadedCredentials } | { skipped: string };

export interface CredentialSource {
  /** For logs and errors: "environment", "shared files (profile default)", "web identity", … */
  readonly name: string;
  load(): Promise<SourceAnswer>;
}

/** Long-term keys, given outright. */
export function staticCredentials(credentials: AwsCredentials): CredentialProvider {
  const fixed: LoadedCredentials = { ...credentials };
  return { get: async () => fixed };
}
