/**
 * The gateway and the credential chain: a gateway without S3 never loads it; one with S3 on web identity
 * signs with the keys STS issued; one that finds no credentials refuses to start before opening anything.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { createGateway } from '../../../src/gateway.js';
import { tempDir } from '../../support/databases.js';
import { postJson, startGateway } from '../../support/gateway.js';
import { FakeS3 } from '../../fakes/s3.js';
import { FakeSts } from '../../fakes/sts.js';
import { freshHome, writeFile } from './aws-home.js';

const chainLoads = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../../src/store/s3/credentials/chain.js', async (importOriginal) => {
  chainLoads.count++;
  return importOriginal();
});

const ROLE = 'arn:aws:iam::123456789012:role/imagegate';
let sts: FakeSts;
let s3: FakeS3;

beforeAll(async () => {
  sts = await new FakeSts().start();
  s3 = await new FakeS3(['images'], 'eu-west-1', { accessKeyId: 'AKIANOBODY', secretAccessKey: 'unused' }).start();
  s3.revoke('AKIANOBODY');
  sts.issuer.onIssue((c) => s3.accept(c));
  sts.roles.add(ROLE);
  sts.tokens.add('oidc-token');
});
afterAll(() => Promise.all([sts.close(), s3.close()]));

describe('the gateway and the S3 credential chain', () => {
  it('never loads the credential chain when S3 is not configured', async () => {
    const gw = await startGateway();
    expect((await fetch(`${gw.url}/readyz`)).status).toBe(200);
    await gw.close();
    expect(chainLoads.count).toBe(0);
  });

  it('with IMAGEGATE_S3_BUCKET and a web identity, is ready with the keys STS issued', async () => {
    const home = freshHome();
    const gw = await startGateway({
      env: {
        HOME: home,
        IMAGEGATE_S3_BUCKET: 'images',
        AWS_REGION: 'eu-west-1',
        AWS_ENDPOINT_URL_S3: s3.url,
        AWS_ENDPOINT_URL_STS: sts.url,
        AWS_WEB_IDENTITY_TOKEN_FILE: writeFile(join(home, 'token'), 'oidc-token'),
        AWS_ROLE_ARN: ROLE,
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    try {
      expect(chainLoads.count).toBe(1);
      expect((await fetch(`${gw.url}/readyz`)).status).toBe(200);
      const probe = s3.requests.at(-1)!;
      expect(probe.headers.authorization).toContain(`Credential=${sts.issuer.issued[0]!.accessKeyId}/`);
      expect(probe.headers['x-amz-security-token']).toBe(sts.issuer.issued[0]!.sessionToken);
    } finally {
      await gw.close();
    }
  });

  it('caches the redirect to a presigned link no longer than the STS keys that signed it', async () => {
    const home = freshHome();
    sts.issuer.lifetimeMs = 20 * 60_000;
    const gw = await startGateway({
      env: {
        HOME: home,
        IMAGEGATE_S3_BUCKET: 'images',
        IMAGEGATE_S3_REDIRECT: 'true',
        AWS_REGION: 'eu-west-1',
        AWS_ENDPOINT_URL_S3: s3.url,
        AWS_ENDPOINT_URL_STS: sts.url,
        AWS_WEB_IDENTITY_TOKEN_FILE: writeFile(join(home, 'token'), 'oidc-token'),
        AWS_ROLE_ARN: ROLE,
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    try {
      const { key } = await gw.clientKey({ balance: 0 });
      const res = await postJson(`${gw.url}/v1/images/generations`, key, { model: 'local', prompt: 'x', size: '64x64', response_format: 'url' });
      expect(res.status).toBe(200);
      const hop = await fetch(res.body.data[0].url as string, { redirect: 'manual' });
      expect(hop.status).toBe(302);
      // The image lives a day (IMAGEGATE_URL_TTL_SECONDS); the keys, and so the presigned URL, 20 minutes.
      const maxAge = Number(/max-age=(\d+)/.exec(hop.headers.get('cache-control') ?? '')?.[1]);
      expect(maxAge).toBeGreaterThan(19 * 60);
      expect(maxAge).toBeLessThanOrEqual(20 * 60);
      expect((await fetch(hop.headers.get('location')!)).status).toBe(200);
    } finally {
      await gw.close();
    }
  });

  it('reports not ready, naming the credentials, once its STS keys have lapsed and STS refuses new ones', async () => {
    const home = freshHome();
    sts.issuer.lifetimeMs = 20_000;
    const gw = await startGateway({
      env: {
        HOME: home,
        IMAGEGATE_S3_BUCKET: 'images',
        AWS_REGION: 'eu-west-1',
        AWS_ENDPOINT_URL_S3: s3.url,
        AWS_ENDPOINT_URL_STS: sts.url,
        AWS_WEB_IDENTITY_TOKEN_FILE: writeFile(join(home, 'token'), 'oidc-token'),
        AWS_ROLE_ARN: ROLE,
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    try {
      expect((await fetch(`${gw.url}/readyz`)).status).toBe(200);
      sts.roles.delete(ROLE);
      // Keys with less than 15 s left are not used; these had 20 s.
      await new Promise((r) => setTimeout(r, 6000));
      const res = await fetch(`${gw.url}/readyz`);
      expect(res.status).toBe(503);
      expect((await res.json()).checks.blobs).toBe('failed: credentials_unavailable');
    } finally {
      sts.roles.add(ROLE);
      await gw.close();
    }
  });

  it('refuses to start when no link of the chain has credentials, saying what each lacked, before opening the database', async () => {
    const dataDir = tempDir();
    const config = loadConfig({ IMAGEGATE_DATA_DIR: dataDir, IMAGEGATE_S3_BUCKET: 'images', HOME: freshHome(), AWS_EC2_METADATA_DISABLED: 'true' });
    const err = await createGateway(config, { logger: pino({ level: 'silent' }) }).then(
      () => new Error('the gateway started'),
      (e: unknown) => e as Error,
    );
    expect(err).toMatchObject({ name: 'CredentialError' });
    expect(err.message).toMatch(/none found in the AWS credential chain.*AWS_ACCESS_KEY_ID.*AWS_EC2_METADATA_DISABLED/);
    expect(readdirSync(dataDir)).toEqual([]);
  });
});
