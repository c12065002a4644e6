/**
 * Container credentials: the ECS agent (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, relative to 169.254.170.2)
 * or any endpoint named in full (AWS_CONTAINER_CREDENTIALS_FULL_URI: EKS Pod Identity, Greengrass, a local
 * emulator), with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read on every call: it rotates) or
 * AWS_CONTAINER_AUTHORIZATION_TOKEN as the Authorization header.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { Dispatcher } from 'undici';
import { CredentialError } from './errors.js';
import { callEndpoint, failureOf } from './http.js';
import { credentialsOfJson } from './metadata-answer.js';
import type { CredentialChainSettings } from './settings.js';
import type { CredentialSource } from './types.js';

/** Plain-HTTP hosts a full URI may name, as the SDKs allow: loopback, and the ECS and EKS Pod Identity agents. */
const AGENT_HOSTS = new Set(['169.254.170.2', '169.254.170.23', '[fd00:ec2::23]', 'localhost', '[::1]']);

export function containerSource(
  s: CredentialChainSettings['container'],
  call: { timeoutMs: number; attempts: number; dispatcher?: Dispatcher },
): CredentialSource {
  return {
    name: 'container',
    async load() {
      const named = s.relativeUri ? 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI' : 'AWS_CONTAINER_CREDENTIALS_FULL_URI';
      const url = endpointOf(s);
      if (!url) return { skipped: 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set' };
      // The path may itself be a lookup key for the credentials: messages name the origin only.
      const where = `container credentials at ${url.origin} (${named})`;
      const headers: Record<string, string> = { accept: 'application/json' };
      const token = await authorizationOf(s);
      if (token) headers.authorization = token;
      let answer: Awaited<ReturnType<typeof callEndpoint>>;
      try {
        answer = await callEndpoint(url, { ...call, headers });
      } catch (err) {
        throw new CredentialError(`${where}: ${failureOf(err)}`);
      }
      if (answer.status !== 200) throw new CredentialError(`${where}: HTTP ${answer.status}`);
      const credentials = credentialsOfJson(answer.text);
      if (!credentials) throw new CredentialError(`${where}: the answer holds no AccessKeyId and SecretAccessKey`);
      return { credentials };
    },
  };
}

function endpointOf(s: CredentialChainSettings['container']): URL | undefined {
  if (s.relativeUri) return new URL(`${s.agent}${s.relativeUri.startsWith('/') ? '' : '/'}${s.relativeUri}`);
  if (!s.fullUri) return undefined;
  let url: URL;
  try {
    url = new URL(s.fullUri);
  } catch {
    throw new CredentialError('AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL');
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && (AGENT_HOSTS.has(url.hostname) || isLoopbackV4(url.hostname))) return url;
  throw new CredentialError(
    'AWS_CONTAINER_CREDENTIALS_FULL_URI must be https://, or http:// to a loopback address or the ECS or EKS Pod Identity agent (credentials must not cross a network in the clear)',
  );
}

const isLoopbackV4 = (host: string) => isIP(host) === 4 && host.startsWith('127.');

async function authorizationOf(s: CredentialChainSettings['container']): Promise<string | undefined> {
  if (s.authorizationTokenFile) {
    try {
      return (await readFile(s.authorizationTokenFile, 'utf8')).trim();
    } catch (err) {
      throw new CredentialError(
        `cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE ${s.authorizationTokenFile}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`,
      );
    }
  }
  return s.authorizationToken || undefined;
}
