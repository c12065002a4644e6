/**
 * EC2 instance metadata, version 2 only: a session token first (PUT /latest/api/token), then the instance
 * profile's role name and its credentials. IMDSv1 (plain GETs) is not tried: it is the form SSRF attacks
 * reach, and AWS recommends turning it off. No answer at all means this is not an EC2 instance.
 */
import type { Dispatcher } from 'undici';
import { CredentialError } from './errors.js';
import { callEndpoint, failureOf, type HttpAnswer } from './http.js';
import { credentialsOfJson } from './metadata-answer.js';
import type { CredentialChainSettings } from './settings.js';
import type { CredentialSource } from './types.js';

const TOKEN_TTL_SECONDS = '21600';
const CREDENTIALS_PATH = '/latest/meta-data/iam/security-credentials/';

export function instanceMetadataSource(
  s: CredentialChainSettings['instanceMetadata'],
  call: { timeoutMs: number; attempts: number; dispatcher?: Dispatcher },
): CredentialSource {
  const base = s.endpoint.replace(/\/+$/, '');
  const where = `instance metadata at ${base}`;
  return {
    name: 'instance metadata',
    async load() {
      if (s.disabled) return { skipped: 'AWS_EC2_METADATA_DISABLED is set' };
      let tokenAnswer: HttpAnswer;
      try {
        tokenAnswer = await callEndpoint(new URL(`${base}/latest/api/token`), {
          ...call,
          method: 'PUT',
          headers: { 'x-aws-ec2-metadata-token-ttl-seconds': TOKEN_TTL_SECONDS },
        });
      } catch (err) {
        return { skipped: `no answer from ${base} (${failureOf(err)}): not an EC2 instance` };
      }
      if (tokenAnswer.status !== 200) {
        throw new CredentialError(
          `${where}: HTTP ${tokenAnswer.status} to the IMDSv2 token request (an EC2 instance with its metadata service off, or something else answering at that address; off EC2, set AWS_EC2_METADATA_DISABLED=true)`,
        );
      }
      const headers = { 'x-aws-ec2-metadata-token': tokenAnswer.text.trim() };
      const get = async (path: string) => {
        try {
          return await callEndpoint(new URL(`${base}${path}`), { ...call, headers });
        } catch (err) {
          throw new CredentialError(`${where}: ${failureOf(err)}`);
        }
      };
      const roles = await get(CREDENTIALS_PATH);
      if (roles.status === 404) throw new CredentialError(`${where}: the instance has no IAM role (instance profile) attached`);
      if (roles.status !== 200) throw new CredentialError(`${where}: HTTP ${roles.status} listing the instance's role`);
      const role = roles.text.split('\n')[0]?.trim();
      if (!role) throw new CredentialError(`${where}: the instance has no IAM role (instance profile) attached`);
      const answer = await get(`${CREDENTIALS_PATH}${encodeURIComponent(role)}`);
      if (answer.status !== 200) throw new CredentialError(`${where}: HTTP ${answer.status} for the credentials of role ${role}`);
      const credentials = credentialsOfJson(answer.text);
      if (!credentials) throw new CredentialError(`${where}: the credentials of role ${role} are not usable (Code is not Success, or keys are missing)`);
      return { credentials };
    },
  };
}
