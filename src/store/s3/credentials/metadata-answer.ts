/**
 * The JSON the container agent and instance metadata answer with: AccessKeyId, SecretAccessKey, Token and
 * Expiration (ISO 8601). Instance metadata adds Code, "Success" when the credentials are good. A
 * credential_process prints the same with SessionToken for Token.
 */
import type { LoadedCredentials } from './types.js';

export function credentialsOfJson(text: string, tokenField: 'Token' | 'SessionToken' = 'Token'): LoadedCredentials | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const d = doc as Record<string, unknown>;
  if (d.Code !== undefined && d.Code !== 'Success') return undefined;
  const { AccessKeyId, SecretAccessKey, Expiration } = d;
  const Token = d[tokenField];
  if (typeof AccessKeyId !== 'string' || typeof SecretAccessKey !== 'string' || !AccessKeyId || !SecretAccessKey) return undefined;
  const expiresAt = typeof Expiration === 'string' ? Date.parse(Expiration) : Number.NaN;
  return {
    accessKeyId: AccessKeyId,
    secretAccessKey: SecretAccessKey,
    ...(typeof Token === 'string' && Token ? { sessionToken: Token } : {}),
    ...(Number.isNaN(expiresAt) ? {} : { expiresAt }),
  };
}
