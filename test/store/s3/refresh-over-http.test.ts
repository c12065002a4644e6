/**
 * The S3 store on web identity credentials end to end: STS issues short-lived keys, the fake S3 accepts
 * only keys STS issued, and the store keeps working across expiries, re-reading the rotated token file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStore, s3Settings } from '../../../src/store/s3/store.js';
import { FakeS3 } from '../../fakes/s3.js';
import { FakeSts } from '../../fakes/sts.js';
import { freshHome, openChain, writeFile } from './chain-env.js';

const ROLE = 'arn:aws:iam::123456789012:role/imagegate';
let sts: FakeSts;
let s3: FakeS3;

beforeAll(async () => {
  sts = await new FakeSts().start();
  // The fake S3 knows no keys but those STS hands out.
  s3 = await new FakeS3(['images'], 'eu-west-1', { accessKeyId: 'AKIANOBODY', secretAccessKey: 'unused' }).start();
  s3.revoke('AKIANOBODY');
  sts.issuer.onIssue((c) => s3.accept(c));
});
afterAll(() => Promise.all([sts.close(), s3.close()]));

describe('S3 store on web identity credentials', () => {
  it('refreshes before expiry from a re-read token file, with one STS call for a burst of requests, and signs with the new keys', async () => {
    const home = freshHome();
    const tokenFile = writeFile(join(home, 'token'), 'oidc-token-1');
    sts.roles.add(ROLE);
    sts.tokens.add('oidc-token-1');
    sts.issuer.lifetimeMs = 3000;
    const { credentials } = await openChain(
      {
        HOME: home,
        AWS_REGION: 'eu-west-1',
        AWS_ENDPOINT_URL_STS: sts.url,
        AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
        AWS_ROLE_ARN: ROLE,
        AWS_EC2_METADATA_DISABLED: 'true',
      },
      { timing: { marginMs: 2000, minLifeMs: 500, retryPauseMs: 100, now: Date.now } },
    );
    const store = new S3BlobStore(s3Settings({ bucket: 'images', endpoint: s3.url, region: 'eu-west-1' }), credentials);
    await store.put('img_1', 'png', Buffer.from('one'), 3600);
    const first = sts.issuer.issued[0]!;
    expect(s3.requests.at(-1)!.headers['x-amz-security-token']).toBe(first.sessionToken);
    // The next keys live long, so a slow machine cannot bring them inside the margin before the test ends.
    sts.issuer.lifetimeMs = 60_000;

    // The platform rotates the token; inside the margin a burst of writes triggers one refresh.
    writeFileSync(tokenFile, 'oidc-token-2');
    sts.tokens.delete('oidc-token-1');
    sts.tokens.add('oidc-token-2');
    await new Promise((r) => setTimeout(r, first.expiresAt - Date.now() - 1500));
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.put(`img_burst_${i}`, 'png', Buffer.from('x'), 3600)));
    await expect.poll(() => sts.issuer.issued.length).toBe(2);
    expect(sts.calls().map((c) => c.get('WebIdentityToken'))).toEqual(['oidc-token-1', 'oidc-token-2']);

    // The old keys lapse; the store goes on with the new ones.
    s3.revoke(first.accessKeyId);
    const blob = await store.put('img_2', 'png', Buffer.from('two'), 3600);
    expect(s3.requests.at(-1)!.headers.authorization).toContain(`Credential=${sts.issuer.issued[1]!.accessKeyId}/`);
    expect((await store.open(blob))!.size).toBe(3);
  });

  it('presigns links that live no longer than the temporary credentials signing them', async () => {
    const home = freshHome();
    const tokenFile = writeFile(join(home, 'token'), 'oidc-token-3');
    sts.tokens.add('oidc-token-3');
    sts.issuer.lifetimeMs = 20 * 60_000;
    const { credentials } = await openChain({
      HOME: home,
      AWS_ENDPOINT_URL_STS: sts.url,
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_ARN: ROLE,
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    const store = new S3BlobStore(s3Settings({ bucket: 'images', endpoint: s3.url, region: 'eu-west-1', redirect: true }), credentials);
    const blob = await store.put('img_link', 'png', Buffer.from('link'), 24 * 3600);
    const link = (await store.directLink(blob))!;
    const { url } = link;
    const expires = Number(url.searchParams.get('X-Amz-Expires'));
    expect(Math.abs(link.expiresAt - sts.issuer.issued.at(-1)!.expiresAt / 1000)).toBeLessThanOrEqual(1);
    expect(expires).toBeGreaterThan(19 * 60);
    expect(expires).toBeLessThanOrEqual(20 * 60);
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe(sts.issuer.issued.at(-1)!.sessionToken);
    expect((await fetch(url)).status).toBe(200);
  });
});
