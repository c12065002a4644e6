/**
 * The AWS credential chain, each link against a fake of its endpoint over real HTTP (or real files), in the
 * SDKs' order: environment, shared files, web identity, container, instance metadata.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openCredentialChain } from '../../../src/store/s3/credentials/chain.js';
import { CredentialError } from '../../../src/store/s3/credentials/errors.js';
import { FakeContainerCredentials } from '../../fakes/container-credentials.js';
import { FakeInstanceMetadata } from '../../fakes/instance-metadata.js';
import { FakeSts } from '../../fakes/sts.js';
import { chainSettings, freshHome, openChain, writeFile } from './chain-env.js';

const ROLE = 'arn:aws:iam::123456789012:role/imagegate';
const OIDC_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.fake-service-account-token.sig';

let sts: FakeSts;
let imds: FakeInstanceMetadata;
let ecs: FakeContainerCredentials;
let closedPort: number;
let home: string;

/** Every endpoint at its fake, nothing else set: what each test adds decides which link answers. */
const base = () => ({
  HOME: home,
  AWS_REGION: 'eu-west-1',
  AWS_ENDPOINT_URL_STS: sts.url,
  AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url,
});

beforeAll(async () => {
  [sts, imds, ecs] = await Promise.all([new FakeSts().start(), new FakeInstanceMetadata().start(), new FakeContainerCredentials().start()]);
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
});
afterAll(() => Promise.all([sts.close(), imds.close(), ecs.close()]));
beforeEach(() => {
  for (const f of [sts, imds, ecs]) f.reset();
  sts.roles.clear();
  sts.tokens.clear();
  sts.roles.add(ROLE);
  sts.tokens.add(OIDC_TOKEN);
  sts.echoToken = false;
  imds.role = 'imagegate-instance-role';
  ecs.authorization = undefined;
  home = freshHome();
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the chain to fail');
    },
    (e: unknown) => e as Error,
  );

describe('AWS credential chain: environment', () => {
  it('takes AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN before every other source, asking no endpoint', async () => {
    home = freshHome({ '.aws/credentials': '[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = file-secret\n' });
    const tokenFile = writeFile(join(home, 'token'), OIDC_TOKEN);
    const { current, source } = await openChain({
      ...base(),
      AWS_ACCESS_KEY_ID: 'AKIAENV',
      AWS_SECRET_ACCESS_KEY: 'env-secret',
      AWS_SESSION_TOKEN: 'env-token',
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_ARN: ROLE,
    });
    expect(source).toBe('environment');
    expect(current).toEqual({ accessKeyId: 'AKIAENV', secretAccessKey: 'env-secret', sessionToken: 'env-token' });
    expect(sts.requests.length + imds.requests.length).toBe(0);
  });

  it('refuses half a key pair, naming the variable that is missing', async () => {
    const err = await failure(openChain({ ...base(), AWS_ACCESS_KEY_ID: 'AKIAENV' }));
    expect(err).toBeInstanceOf(CredentialError);
    expect(err.message).toMatch(/AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not/);
    expect(imds.requests).toHaveLength(0);
  });
});

describe('AWS credential chain: shared config and credentials files', () => {
  it('reads the default profile of ~/.aws/credentials when the environment has no keys', async () => {
    home = freshHome({
      '.aws/credentials': '# keys\n[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = file-secret\n\n[other]\naws_access_key_id = AKIAOTHER\n',
    });
    const { current, source } = await openChain(base());
    expect(source).toBe('shared files (profile default)');
    expect(current).toEqual({ accessKeyId: 'AKIAFILE', secretAccessKey: 'file-secret' });
    expect(imds.requests).toHaveLength(0);
  });

  it('reads [profile x] of the config file for AWS_PROFILE=x, the credentials file winning where both set a key', async () => {
    const credentialsFile = writeFile(join(home, 'creds.ini'), '[ci]\naws_secret_access_key = from-credentials-file\n');
    const configFile = writeFile(
      join(home, 'config.ini'),
      '[default]\naws_access_key_id = AKIADEFAULT\n[profile ci]\nregion = eu-west-1\ns3 =\n  addressing_style = path\naws_access_key_id = AKIACI\naws_secret_access_key = from-config-file\naws_session_token = ci-token\n',
    );
    const { current, source } = await openChain({ ...base(), AWS_PROFILE: 'ci', AWS_SHARED_CREDENTIALS_FILE: credentialsFile, AWS_CONFIG_FILE: configFile });
    expect(source).toBe('shared files (profile ci)');
    expect(current).toEqual({ accessKeyId: 'AKIACI', secretAccessKey: 'from-credentials-file', sessionToken: 'ci-token' });
  });

  it('refuses an AWS_PROFILE that neither file holds, naming both files, and asks instance metadata nothing', async () => {
    home = freshHome({ '.aws/credentials': '[default]\naws_access_key_id = A\naws_secret_access_key = s\n' });
    const err = await failure(openChain({ ...base(), AWS_PROFILE: 'missing' }));
    expect(err.message).toContain('AWS_PROFILE names profile missing');
    expect(err.message).toContain(join(home, '.aws', 'credentials'));
    expect(err.message).toContain(join(home, '.aws', 'config'));
    expect(imds.requests).toHaveLength(0);
  });

  it('assumes the role of a profile with role_arn and web_identity_token_file through STS', async () => {
    const tokenFile = writeFile(join(home, 'oidc-token'), `${OIDC_TOKEN}\n`);
    writeFile(join(home, '.aws/config'), `[profile eks]\nrole_arn = ${ROLE}\nweb_identity_token_file = ${tokenFile}\nrole_session_name = gw-1\n`);
    const { current, source } = await openChain({ ...base(), AWS_PROFILE: 'eks' });
    expect(source).toBe('shared files (profile eks)');
    const issued = sts.issuer.issued[0]!;
    expect(current).toEqual(issued);
    const call = sts.calls()[0]!;
    expect([call.get('RoleArn'), call.get('WebIdentityToken'), call.get('RoleSessionName')]).toEqual([ROLE, OIDC_TOKEN, 'gw-1']);
  });

  it('goes on to instance metadata past a default profile that holds only a region', async () => {
    home = freshHome({ '.aws/config': '[default]\nregion = eu-west-1\n' });
    const { source } = await openChain(base());
    expect(source).toBe('instance metadata');
  });

  it("runs a profile's credential_process and takes the JSON it prints", async () => {
    const script = writeFile(
      join(home, 'creds.js'),
      `process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: 'ASIAPROC', SecretAccessKey: 'proc-secret', SessionToken: 'proc-token', Expiration: '2099-01-01T00:00:00Z' }))`,
    );
    writeFile(join(home, '.aws/config'), `[default]\ncredential_process = "${process.execPath}" "${script}"\n`);
    const { current } = await openChain(base());
    expect(current).toEqual({
      accessKeyId: 'ASIAPROC',
      secretAccessKey: 'proc-secret',
      sessionToken: 'proc-token',
      expiresAt: Date.parse('2099-01-01T00:00:00Z'),
    });
  });

  it('refuses a profile that assumes its role from source_profile, saying what to use instead', async () => {
    writeFile(
      join(home, '.aws/config'),
      `[profile base]\naws_access_key_id = A\naws_secret_access_key = s\n[profile app]\nrole_arn = ${ROLE}\nsource_profile = base\n`,
    );
    const err = await failure(openChain({ ...base(), AWS_PROFILE: 'app' }));
    expect(err.message).toMatch(/profile app assumes its role from source_profile.*not support.*credential_process/);
  });
});

describe('AWS credential chain: web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN)', () => {
  it('trades the token file for the role through STS AssumeRoleWithWebIdentity, with AWS_ROLE_SESSION_NAME', async () => {
    const tokenFile = writeFile(join(home, 'token'), OIDC_TOKEN);
    const { current, source } = await openChain({ ...base(), AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: ROLE, AWS_ROLE_SESSION_NAME: 'pod-7' });
    expect(source).toBe('web identity');
    expect(current).toEqual(sts.issuer.issued[0]);
    const call = sts.calls()[0]!;
    expect(Object.fromEntries(call)).toEqual({
      Action: 'AssumeRoleWithWebIdentity',
      Version: '2011-06-15',
      RoleArn: ROLE,
      RoleSessionName: 'pod-7',
      WebIdentityToken: OIDC_TOKEN,
    });
    expect(sts.requests[0]!.headers.authorization).toBeUndefined();
    expect(imds.requests).toHaveLength(0);
  });

  it('stops at a role STS refuses, with its code and message, rather than falling through to instance metadata', async () => {
    const tokenFile = writeFile(join(home, 'token'), OIDC_TOKEN);
    const err = await failure(openChain({ ...base(), AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/other' }));
    expect(err.message).toMatch(
      /web identity: STS AssumeRoleWithWebIdentity at http:\/\/127\.0\.0\.1:\d+ for .*role\/other.*HTTP 403 AccessDenied: Not authorized/,
    );
    expect(imds.requests).toHaveLength(0);
  });

  it('names the token file it cannot read', async () => {
    const err = await failure(openChain({ ...base(), AWS_WEB_IDENTITY_TOKEN_FILE: join(home, 'nope'), AWS_ROLE_ARN: ROLE }));
    expect(err.message).toContain(`cannot read the web identity token file ${join(home, 'nope')} (AWS_WEB_IDENTITY_TOKEN_FILE): ENOENT`);
  });
});

describe('AWS credential chain: container credentials', () => {
  it('takes credentials from AWS_CONTAINER_CREDENTIALS_FULL_URI with the token of AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, and asks instance metadata nothing', async () => {
    ecs.authorization = 'pod-identity-token';
    const tokenFile = writeFile(join(home, 'eks-pod-identity-token'), 'pod-identity-token\n');
    const { current, source } = await openChain({
      ...base(),
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${ecs.url}${ecs.credentialsPath}`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: 'ignored-when-the-file-is-set',
    });
    expect(source).toBe('container');
    expect(current).toEqual(ecs.issuer.issued[0]);
    expect(ecs.requests[0]!.headers.authorization).toBe('pod-identity-token');
    expect(imds.requests).toHaveLength(0);
  });

  it('asks the ECS agent at AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, with no Authorization header', async () => {
    const settings = chainSettings({ ...base(), AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: ecs.credentialsPath });
    expect(settings.container.agent).toBe('http://169.254.170.2');
    // The agent's fixed address stands in for the fake's.
    const { credentials, source } = await openCredentialChain({ ...settings, container: { ...settings.container, agent: ecs.url } });
    expect(source).toBe('container');
    expect(await credentials.get()).toEqual(ecs.issuer.issued[0]);
    expect(ecs.requests.map((r) => [r.path, r.headers.authorization])).toEqual([[ecs.credentialsPath, undefined]]);
    expect(imds.requests).toHaveLength(0);
  });

  it('sends AWS_CONTAINER_AUTHORIZATION_TOKEN when no token file is named, and stops at a refusal', async () => {
    ecs.authorization = 'right';
    const env = { ...base(), AWS_CONTAINER_CREDENTIALS_FULL_URI: `${ecs.url}${ecs.credentialsPath}` };
    expect((await openChain({ ...env, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'right' })).source).toBe('container');
    const err = await failure(openChain({ ...env, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'wrong' }));
    expect(err.message).toMatch(/container: container credentials at http:\/\/127\.0\.0\.1:\d+ \(AWS_CONTAINER_CREDENTIALS_FULL_URI\): HTTP 403/);
    // The path may be the credentials' lookup key: it is not repeated.
    expect(err.message).not.toContain(ecs.credentialsPath);
    expect(imds.requests).toHaveLength(0);
  });

  it('refuses a plain-http full URI to a host other than loopback or the ECS and EKS agents', async () => {
    const err = await failure(openChain({ ...base(), AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://credentials.example.com/creds' }));
    expect(err.message).toMatch(/AWS_CONTAINER_CREDENTIALS_FULL_URI must be https:\/\//);
  });
});

describe('AWS credential chain: EC2 instance metadata (IMDSv2)', () => {
  it("takes the instance role's credentials with a session token: PUT the token, then GET the role and its credentials", async () => {
    const { current, source } = await openChain(base());
    expect(source).toBe('instance metadata');
    expect(current).toEqual(imds.issuer.issued[0]);
    expect(imds.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'PUT /latest/api/token',
      'GET /latest/meta-data/iam/security-credentials/',
      'GET /latest/meta-data/iam/security-credentials/imagegate-instance-role',
    ]);
    expect(imds.requests[0]!.headers['x-aws-ec2-metadata-token-ttl-seconds']).toBe('21600');
    expect(imds.requests[1]!.headers['x-aws-ec2-metadata-token']).toBeTruthy();
  });

  it('says what to set off EC2 when something else answers at the metadata address', async () => {
    imds.knobs.failNext = 1;
    imds.knobs.failStatus = 404;
    const err = await failure(openChain(base()));
    expect(err.message).toMatch(/HTTP 404 to the IMDSv2 token request .*off EC2, set AWS_EC2_METADATA_DISABLED=true/);
  });

  it('says so when the instance has no role attached', async () => {
    imds.role = undefined;
    const err = await failure(openChain(base()));
    expect(err.message).toMatch(/instance metadata: .*the instance has no IAM role \(instance profile\) attached/);
  });

  it('asks nothing when AWS_EC2_METADATA_DISABLED is set, and the error says what every link lacked', async () => {
    expect(chainSettings({ AWS_EC2_METADATA_DISABLED: 'false' }).instanceMetadata.disabled).toBe(false);
    const err = await failure(openChain({ ...base(), AWS_EC2_METADATA_DISABLED: 'true' }));
    expect(imds.requests).toHaveLength(0);
    expect(err.message).toContain('none found in the AWS credential chain');
    for (const said of [
      'environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set',
      'shared files (profile default): no profile default in',
      'web identity: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not both set',
      'instance metadata: AWS_EC2_METADATA_DISABLED is set',
    ])
      expect(err.message).toContain(said);
  });

  it('takes no answer from the metadata address to mean this is not an EC2 instance', async () => {
    const err = await failure(openChain({ ...base(), AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://127.0.0.1:${closedPort}` }));
    expect(err.message).toMatch(/none found.*instance metadata: no answer from http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\): not an EC2 instance/);
  });
});
