import { describe, expect, it } from 'vitest';
import { EMPTY_PAYLOAD_HASH, presignedGetUrl, signedHeaders, uriEncode } from '../../src/store/s3/sigv4.js';

// The worked example of AWS's S3 documentation ("Signature Calculations for the Authorization Header",
// GET Object), with its published credentials and result.
const EXAMPLE_CREDENTIALS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

describe('AWS Signature Version 4', () => {
  it("signs AWS's documented GET Object example to its published signature", () => {
    const h = signedHeaders({
      method: 'GET',
      url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
      headers: { Range: 'bytes=0-9' },
      payloadHash: EMPTY_PAYLOAD_HASH,
      region: 'us-east-1',
      service: 's3',
      credentials: EXAMPLE_CREDENTIALS,
      now: new Date('2013-05-24T00:00:00Z'),
    });
    expect(h.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    expect(h['x-amz-date']).toBe('20130524T000000Z');
    expect(h.host).toBe('examplebucket.s3.amazonaws.com');
  });

  it('signs a session token when the credentials carry one', () => {
    const base = {
      method: 'GET',
      url: new URL('https://b.s3.amazonaws.com/k'),
      headers: {},
      payloadHash: EMPTY_PAYLOAD_HASH,
      region: 'us-east-1',
      service: 's3',
      now: new Date('2026-01-01T00:00:00Z'),
    };
    const h = signedHeaders({ ...base, credentials: { ...EXAMPLE_CREDENTIALS, sessionToken: 'token-1' } });
    expect(h['x-amz-security-token']).toBe('token-1');
    expect(h.authorization).toContain('SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,');
    expect(h.authorization).not.toBe(signedHeaders({ ...base, credentials: EXAMPLE_CREDENTIALS }).authorization);
  });

  it('encodes everything but unreserved characters, uppercase, and slashes only in paths', () => {
    expect(uriEncode('a b/c~d$é')).toBe('a%20b%2Fc~d%24%C3%A9');
    expect(uriEncode('a b/c', true)).toBe('a%20b/c');
  });
});

describe('presigned GET URLs', () => {
  it("presigns AWS's documented example to its published signature", () => {
    const url = presignedGetUrl({
      url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
      region: 'us-east-1',
      service: 's3',
      credentials: EXAMPLE_CREDENTIALS,
      now: new Date('2013-05-24T00:00:00Z'),
      expiresSeconds: 86400,
    });
    expect(url.searchParams.get('X-Amz-Credential')).toBe('AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request');
    expect(url.searchParams.get('X-Amz-Signature')).toBe('aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404');
  });
});
