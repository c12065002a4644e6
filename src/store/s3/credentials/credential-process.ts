/**
 * A profile's `credential_process`: a command that prints credentials as JSON (Version 1, AccessKeyId,
 * SecretAccessKey, SessionToken, Expiration). Run through the shell, as the AWS SDKs and CLI run it. Its
 * output is secret: errors say how it failed, never what it printed.
 */
import { exec } from 'node:child_process';
import { CredentialError } from './errors.js';
import { credentialsOfJson } from './metadata-answer.js';
import type { LoadedCredentials } from './types.js';

const PROCESS_TIMEOUT_MS = 30_000;

export function runCredentialProcess(command: string, namedBy: string): Promise<LoadedCredentials> {
  return new Promise((resolve, reject) => {
    exec(command, { timeout: PROCESS_TIMEOUT_MS, maxBuffer: 64 * 1024, windowsHide: true }, (err, stdout) => {
      if (err) {
        const how = err.killed ? 'timed out' : `exited with ${err.code ?? 'an error'}`;
        return reject(new CredentialError(`the credential_process of ${namedBy} ${how}`));
      }
      const version = (() => {
        try {
          return (JSON.parse(stdout) as { Version?: unknown }).Version;
        } catch {
          return undefined;
        }
      })();
      const credentials = version === 1 ? credentialsOfJson(stdout, 'SessionToken') : undefined;
      if (!credentials)
        return reject(new CredentialError(`the credential_process of ${namedBy} printed no Version 1 JSON with AccessKeyId and SecretAccessKey`));
      resolve(credentials);
    });
  });
}
