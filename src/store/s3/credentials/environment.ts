/** The first link: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN for temporary keys). */
import { CredentialError } from './errors.js';
import type { CredentialChainSettings } from './settings.js';
import type { CredentialSource } from './types.js';

export function environmentSource(env: CredentialChainSettings['environment']): CredentialSource {
  return {
    name: 'environment',
    async load() {
      const { accessKeyId, secretAccessKey, sessionToken } = env;
      if (!accessKeyId && !secretAccessKey) return { skipped: 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set' };
      if (!accessKeyId || !secretAccessKey) {
        const [set, missing] = accessKeyId ? ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] : ['AWS_SECRET_ACCESS_KEY', 'AWS_ACCESS_KEY_ID'];
        throw new CredentialError(`${set} is set but ${missing} is not: set both, or neither to let the rest of the AWS credential chain look`);
      }
      return { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } };
    },
  };
}
