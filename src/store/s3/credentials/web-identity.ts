/** AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN: IAM roles for service accounts on EKS, and OIDC elsewhere. */
import type { Dispatcher } from 'undici';
import type { CredentialChainSettings } from './settings.js';
import { assumeRoleWithWebIdentity } from './sts.js';
import type { CredentialSource } from './types.js';

export function webIdentitySource(s: CredentialChainSettings['webIdentity'], stsEndpoint: string, dispatcher?: Dispatcher): CredentialSource {
  return {
    name: 'web identity',
    async load() {
      if (!s.tokenFile || !s.roleArn) return { skipped: 'AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not both set' };
      const role = { roleArn: s.roleArn, tokenFile: s.tokenFile, sessionName: s.sessionName, namedBy: 'AWS_WEB_IDENTITY_TOKEN_FILE' };
      return { credentials: await assumeRoleWithWebIdentity(role, stsEndpoint, dispatcher) };
    },
  };
}
