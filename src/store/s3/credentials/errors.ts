/**
 * Why no S3 credentials could be had. Messages name the variables, files and endpoints involved and never a
 * key, secret or token.
 */
export class CredentialError extends Error {
  /** What the readiness probe reports: `blobs (failed: credentials_unavailable)`. */
  readonly code = 'credentials_unavailable';

  constructor(message: string) {
    super(message);
    this.name = 'CredentialError';
  }
}

/**
 * Text from a credentials endpoint (an STS error message), with every secret the request carried cut out,
 * in case the endpoint echoes one back.
 */
export function withoutSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out.length > 300 ? `${out.slice(0, 300)}…` : out;
}
