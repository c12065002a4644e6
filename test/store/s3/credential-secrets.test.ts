/**
 * No key, secret or token from any link of the credential chain reaches a log line or an error: not on
 * success, not when an endpoint refuses and echoes what it was sent, not when a credential_process fails
 * after printing its keys. The log is the gateway's own kind (pino, JSON lines).
 */
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeContainerCredentials } from '../../fakes/container-credentials.js';
import { FakeInstanceMetadata } from '../../fakes/instance-metadata.js';
import { FakeSts } from '../../fakes/sts.js';
import { freshHome, openChain, writeFile } from './chain-env.js';

const ROLE = 'arn:aws:iam::123456789012:role/imagegate';
const OIDC_TOKEN = 'oidc-token-that-must-stay-secret';
const AGENT_TOKEN = 'agent-authorization-token-secret';
const ENV_SECRET = 'environment-secret-access-key';

let sts: FakeSts;
let ecs: FakeContainerCredentials;
let imds: FakeInstanceMetadata;
const lines: string[] = [];
const log = pino(
  { level: 'trace' },
  new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  }),
);

beforeAll(async () => {
  [sts, ecs, imds] = await Promise.all([new FakeSts().start(), new FakeContainerCredentials().start(), new FakeInstanceMetadata().start()]);
  sts.roles.add(ROLE);
  sts.tokens.add(OIDC_TOKEN);
  sts.echoToken = true;
  ecs.authorization = AGENT_TOKEN;
});
afterAll(() => Promise.all([sts.close(), ecs.close(), imds.close()]));

const secrets = () => [
  OIDC_TOKEN,
  AGENT_TOKEN,
  ENV_SECRET,
  ...sts.issuer.secrets(),
  ...ecs.issuer.secrets(),
  ...imds.issuer.secrets(),
  'proc-secret',
  'proc-token',
];
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => new Error('expected a failure'),
    (e: unknown) => e as Error,
  );

describe('secrets of the S3 credential chain', () => {
  it('reach neither the log nor an error, from any link, on success or failure', async () => {
    const home = freshHome();
    const tokenFile = writeFile(join(home, 'token'), OIDC_TOKEN);
    const agentTokenFile = writeFile(join(home, 'agent-token'), AGENT_TOKEN);
    const base = { HOME: home, AWS_ENDPOINT_URL_STS: sts.url, AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url };
    const container = { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${ecs.url}${ecs.credentialsPath}` };
    const errors: Error[] = [];

    // Each link answering.
    await openChain({ ...base, AWS_ACCESS_KEY_ID: 'AKIAENV', AWS_SECRET_ACCESS_KEY: ENV_SECRET }, { log });
    await openChain({ ...base, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: ROLE }, { log });
    await openChain({ ...base, ...container, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: agentTokenFile }, { log });
    await openChain(base, { log });

    // Each link refusing. STS quotes the token back in its error messages (echoToken).
    errors.push(await errorOf(openChain({ ...base, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: `${ROLE}-other` }, { log })));
    sts.tokens.delete(OIDC_TOKEN);
    errors.push(await errorOf(openChain({ ...base, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: ROLE }, { log })));
    sts.tokens.add(OIDC_TOKEN);
    ecs.authorization = 'another';
    errors.push(await errorOf(openChain({ ...base, ...container, AWS_CONTAINER_AUTHORIZATION_TOKEN: AGENT_TOKEN }, { log })));
    ecs.authorization = AGENT_TOKEN;
    errors.push(await errorOf(openChain({ ...base, AWS_SECRET_ACCESS_KEY: ENV_SECRET }, { log })));
    const script = writeFile(
      join(home, 'fails.js'),
      `process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: 'ASIAPROC', SecretAccessKey: 'proc-secret', SessionToken: 'proc-token' })); process.exit(3)`,
    );
    writeFile(join(home, '.aws/config'), `[profile proc]\ncredential_process = "${process.execPath}" "${script}"\n`);
    errors.push(await errorOf(openChain({ ...base, AWS_PROFILE: 'proc' }, { log })));

    // A background refresh that fails is logged too.
    sts.issuer.lifetimeMs = 2000;
    const { credentials } = await openChain(
      { ...base, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: ROLE },
      { log, timing: { marginMs: 5000, minLifeMs: 100, retryPauseMs: 0, now: Date.now } },
    );
    sts.knobs.failNext = 3;
    sts.knobs.failStatus = 503;
    sts.knobs.failBody = `<ErrorResponse><Error><Code>ServiceUnavailable</Code><Message>down, token ${OIDC_TOKEN}</Message></Error></ErrorResponse>`;
    await credentials.get();
    await expect.poll(() => lines.some((l) => l.includes('refresh failed'))).toBe(true);

    expect(errors.map((e) => e.name)).toEqual(Array(5).fill('CredentialError'));
    expect(sts.issuer.issued.length + ecs.issuer.issued.length + imds.issuer.issued.length).toBeGreaterThanOrEqual(4);
    const said = [...lines, ...errors.map((e) => `${e.message}\n${e.stack}`)].join('\n');
    expect(said).toContain('S3 credentials from web identity');
    expect(said).toContain('InvalidIdentityToken');
    for (const secret of secrets()) expect(said).not.toContain(secret);
  });
});
