/**
 * `imagegate serve` with S3 configured and no credentials anywhere: a configuration error (exit status 2)
 * that says what each link of the chain lacked, not a stack trace.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/databases.js';
import { freshHome } from './aws-home.js';

describe('imagegate serve without S3 credentials', () => {
  it('exits with status 2 and names what each link of the credential chain lacked', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
      env: {
        ...process.env,
        // Whatever this machine has set for AWS is blanked: the chain must find nothing.
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_PROFILE: '',
        AWS_WEB_IDENTITY_TOKEN_FILE: '',
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '',
        AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
        AWS_SHARED_CREDENTIALS_FILE: '',
        AWS_CONFIG_FILE: '',
        HOME: freshHome(),
        AWS_EC2_METADATA_DISABLED: 'true',
        IMAGEGATE_S3_BUCKET: 'images',
        IMAGEGATE_DATA_DIR: tempDir(),
        PORT: '0',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/^imagegate: configuration error: S3 credentials: none found in the AWS credential chain\. environment: /);
    expect(stderr).toContain('instance metadata: AWS_EC2_METADATA_DISABLED is set');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
