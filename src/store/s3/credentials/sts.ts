/**
 * STS AssumeRoleWithWebIdentity: an OIDC token (EKS's projected service account token, a CI job's token)
 * traded for a role's temporary credentials. The call is not signed: the token is the proof. The token file
 * is read again on every call, since the platform rotates it.
 */
import { readFile } from 'node:fs/promises';
import type { Dispatcher } from 'undici';
import { xmlText } from '../xml.js';
import { CredentialError, withoutSecrets } from './errors.js';
import { callEndpoint, failureOf } from './http.js';
import type { LoadedCredentials } from './types.js';

export interface WebIdentityRole {
  roleArn: string;
  tokenFile: string;
  /** RoleSessionName, shown in CloudTrail; one is made up when unset. */
  sessionName?: string;
  /** Where the token file and role were named, for messages: "AWS_WEB_IDENTITY_TOKEN_FILE", "profile ci". */
  namedBy: string;
}

const STS_TIMEOUT_MS = 10_000;
const STS_ATTEMPTS = 3;

export async function assumeRoleWithWebIdentity(role: WebIdentityRole, stsEndpoint: string, dispatcher?: Dispatcher): Promise<LoadedCredentials> {
  let token: string;
  try {
    token = (await readFile(role.tokenFile, 'utf8')).trim();
  } catch (err) {
    throw new CredentialError(
      `cannot read the web identity token file ${role.tokenFile} (${role.namedBy}): ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`,
    );
  }
  const body = new URLSearchParams({
    Action: 'AssumeRoleWithWebIdentity',
    Version: '2011-06-15',
    RoleArn: role.roleArn,
    RoleSessionName: role.sessionName || `imagegate-${Date.now()}`,
    WebIdentityToken: token,
  }).toString();
  const where = `STS AssumeRoleWithWebIdentity at ${stsEndpoint} for ${role.roleArn} (${role.namedBy})`;
  let answer: Awaited<ReturnType<typeof callEndpoint>>;
  try {
    answer = await callEndpoint(new URL(`${stsEndpoint}/`), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', accept: 'application/xml' },
      body,
      timeoutMs: STS_TIMEOUT_MS,
      attempts: STS_ATTEMPTS,
      dispatcher,
    });
  } catch (err) {
    throw new CredentialError(`${where}: ${failureOf(err)}`);
  }
  if (answer.status !== 200) {
    const code = xmlText(answer.text, 'Code') ?? 'no error code';
    const message = xmlText(answer.text, 'Message');
    throw new CredentialError(`${where}: HTTP ${answer.status} ${code}${message ? `: ${withoutSecrets(message, [token])}` : ''}`);
  }
  const credentials = credentialsOf(answer.text);
  if (!credentials) throw new CredentialError(`${where}: the answer holds no complete <Credentials>`);
  return credentials;
}

/** The `<Credentials>` of an AssumeRole* answer. */
export function credentialsOf(xml: string): LoadedCredentials | undefined {
  const block = /<Credentials>([\s\S]*?)<\/Credentials>/.exec(xml)?.[1];
  if (!block) return undefined;
  const accessKeyId = xmlText(block, 'AccessKeyId');
  const secretAccessKey = xmlText(block, 'SecretAccessKey');
  const sessionToken = xmlText(block, 'SessionToken');
  const expiresAt = Date.parse(xmlText(block, 'Expiration') ?? '');
  if (!accessKeyId || !secretAccessKey || !sessionToken || Number.isNaN(expiresAt)) return undefined;
  return { accessKeyId, secretAccessKey, sessionToken, expiresAt };
}
