import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';

describe('S3 blob store configuration', () => {
  it('keeps hosted images in the data dir when IMAGEGATE_S3_BUCKET is not set', () => {
    expect(loadConfig({}).s3).toBeUndefined();
  });

  it('takes IMAGEGATE_S3_BUCKET without keys in the environment: the AWS credential chain looks for them at start', () => {
    expect(loadConfig({ IMAGEGATE_S3_BUCKET: 'b' }).s3?.credentials.environment).toEqual({});
  });

  it("reads region, endpoint and credentials from the AWS SDKs' variables", () => {
    const c = loadConfig({
      IMAGEGATE_S3_BUCKET: 'imgs',
      IMAGEGATE_S3_PREFIX: 'gw/',
      AWS_ACCESS_KEY_ID: 'AKIA1',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'tok',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL: 'https://objects.example.com',
    });
    expect(c.s3).toMatchObject({
      bucket: 'imgs',
      prefix: 'gw/',
      region: 'eu-west-1',
      endpoint: 'https://objects.example.com',
      pathStyle: true,
      redirect: false,
      credentials: { environment: { accessKeyId: 'AKIA1', secretAccessKey: 'secret', sessionToken: 'tok' } },
    });
    // The S3-specific endpoint wins over the general one; AWS_REGION over AWS_DEFAULT_REGION; path style can be turned off.
    const d = loadConfig({
      IMAGEGATE_S3_BUCKET: 'imgs',
      AWS_ACCESS_KEY_ID: 'a',
      AWS_SECRET_ACCESS_KEY: 's',
      AWS_ENDPOINT_URL: 'https://x.example',
      AWS_ENDPOINT_URL_S3: 'https://s3.example',
      AWS_REGION: 'us-west-2',
      AWS_DEFAULT_REGION: 'eu-west-1',
      IMAGEGATE_S3_PATH_STYLE: 'false',
      IMAGEGATE_S3_REDIRECT: 'true',
    });
    expect(d.s3).toMatchObject({ endpoint: 'https://s3.example', region: 'us-west-2', pathStyle: false, prefix: 'imagegate/', redirect: true });
  });

  it('refuses an endpoint that is not a URL, naming the variable', () => {
    expect(() => loadConfig({ IMAGEGATE_S3_BUCKET: 'b', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 's', AWS_ENDPOINT_URL_S3: 'minio:9000' })).toThrow(
      /AWS_ENDPOINT_URL_S3/,
    );
  });

  it("points the credential chain's endpoints where the AWS SDKs' variables say", () => {
    const chain = (env: Record<string, string>) => loadConfig({ IMAGEGATE_S3_BUCKET: 'b', ...env }).s3!.credentials;
    expect(chain({}).stsEndpoint).toBe('https://sts.amazonaws.com');
    expect(chain({ AWS_REGION: 'eu-west-1' }).stsEndpoint).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(chain({ AWS_DEFAULT_REGION: 'eu-west-1', AWS_STS_REGIONAL_ENDPOINTS: 'legacy' }).stsEndpoint).toBe('https://sts.amazonaws.com');
    expect(chain({ AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://minio:9000', AWS_ENDPOINT_URL_STS: 'https://sts.internal/' }).stsEndpoint).toBe(
      'https://sts.internal',
    );
    expect(chain({ AWS_ENDPOINT_URL: 'http://minio:9000' }).stsEndpoint).toBe('http://minio:9000');
    expect(chain({}).instanceMetadata).toEqual({ disabled: false, endpoint: 'http://169.254.169.254' });
    expect(chain({ AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'IPv6' }).instanceMetadata.endpoint).toBe('http://[fd00:ec2::254]');
    expect(chain({ AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:1338' }).instanceMetadata.endpoint).toBe('http://127.0.0.1:1338');
    expect(chain({ AWS_METADATA_SERVICE_TIMEOUT: '2', AWS_METADATA_SERVICE_NUM_ATTEMPTS: '1' })).toMatchObject({
      metadataTimeoutMs: 2000,
      metadataAttempts: 1,
    });
    expect(chain({ HOME: '/home/app' }).sharedFiles).toEqual({ credentialsFile: '/home/app/.aws/credentials', configFile: '/home/app/.aws/config' });
  });

  it('refuses an STS endpoint that is not a URL, naming the variable', () => {
    expect(() => loadConfig({ IMAGEGATE_S3_BUCKET: 'b', AWS_ENDPOINT_URL_STS: 'sts.internal' })).toThrow(/AWS_ENDPOINT_URL_STS/);
  });
});
