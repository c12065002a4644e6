/**
 * The shared config and credentials files (~/.aws/config, ~/.aws/credentials, or AWS_CONFIG_FILE and
 * AWS_SHARED_CREDENTIALS_FILE), profile AWS_PROFILE or `default`. The config file names a profile
 * `[profile x]` (`[default]` for the default), the credentials file `[x]`; where both set a key, the
 * credentials file wins, as in the SDKs. A profile gives static keys, a role assumed with a web identity
 * token file, or a credential_process. Roles assumed from another profile (source_profile) and SSO need
 * signed STS and SSO calls this gateway does not make; such a profile is refused with a message saying so.
 */
import { readFile } from 'node:fs/promises';
import type { Dispatcher } from 'undici';
import { runCredentialProcess } from './credential-process.js';
import { CredentialError } from './errors.js';
import { type IniSections, parseIni } from './ini.js';
import type { CredentialChainSettings } from './settings.js';
import { assumeRoleWithWebIdentity } from './sts.js';
import type { CredentialSource, SourceAnswer } from './types.js';

export function sharedFilesSource(s: CredentialChainSettings['sharedFiles'], stsEndpoint: string, dispatcher?: Dispatcher): CredentialSource {
  const profileName = s.profile || 'default';
  const namedBy = `profile ${profileName}`;
  return {
    name: `shared files (${namedBy})`,
    async load(): Promise<SourceAnswer> {
      const [configFile, credentialsFile] = await Promise.all([readIni(s.configFile), readIni(s.credentialsFile)]);
      const fromConfig = configFile.get(`profile ${profileName}`) ?? (profileName === 'default' ? configFile.get('default') : undefined);
      const fromCredentials = credentialsFile.get(profileName);
      if (!fromConfig && !fromCredentials) {
        const where = `${s.credentialsFile} or ${s.configFile}`;
        // A profile asked for by name must exist; the default one may well not.
        if (s.profile) throw new CredentialError(`AWS_PROFILE names ${namedBy}, which is in neither ${where}`);
        return { skipped: `no profile default in ${where}` };
      }
      const p = { ...fromConfig, ...fromCredentials };
      if (p.aws_access_key_id && p.aws_secret_access_key) {
        return {
          credentials: {
            accessKeyId: p.aws_access_key_id,
            secretAccessKey: p.aws_secret_access_key,
            ...(p.aws_session_token ? { sessionToken: p.aws_session_token } : {}),
          },
        };
      }
      if (p.role_arn && p.web_identity_token_file) {
        const role = { roleArn: p.role_arn, tokenFile: p.web_identity_token_file, sessionName: p.role_session_name, namedBy };
        return { credentials: await assumeRoleWithWebIdentity(role, stsEndpoint, dispatcher) };
      }
      if (p.credential_process) return { credentials: await runCredentialProcess(p.credential_process, namedBy) };
      if (p.role_arn) throw unsupported(namedBy, 'assumes its role from source_profile or credential_source');
      if (p.sso_session || p.sso_start_url) throw unsupported(namedBy, 'signs in through IAM Identity Center (SSO)');
      // A profile may hold only settings (a region): on an EC2 instance or in a container, credentials come later.
      return { skipped: `${namedBy} holds no credentials (aws_access_key_id, role_arn, credential_process)` };
    },
  };
}

function unsupported(namedBy: string, what: string): CredentialError {
  return new CredentialError(
    `${namedBy} ${what}, which imagegate does not support: give it static keys, a web_identity_token_file, or a credential_process (e.g. \`aws configure export-credentials --format process\`)`,
  );
}

async function readIni(path: string): Promise<IniSections> {
  try {
    return parseIni(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new CredentialError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
}
