/**
 * Temporary AWS credentials as the fakes of STS, the container agent and instance metadata hand them out:
 * new keys on every call, living `lifetimeMs`. A listener (a FakeS3's accept) learns of each issue, so the
 * store under test is only accepted with keys that were really handed out.
 */
import { randomBytes } from 'node:crypto';

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: number;
}

export class CredentialIssuer {
  readonly issued: IssuedCredentials[] = [];
  /** How long each issue lives (AWS: 1 hour for STS and instance roles, 6 hours for ECS). */
  lifetimeMs = 3600_000;
  private readonly listeners: Array<(c: IssuedCredentials) => void> = [];

  constructor(private readonly keyPrefix: string) {}

  onIssue(listener: (c: IssuedCredentials) => void): this {
    this.listeners.push(listener);
    return this;
  }

  issue(): IssuedCredentials {
    const c = {
      accessKeyId: `ASIA${this.keyPrefix}${String(this.issued.length + 1).padStart(4, '0')}`,
      secretAccessKey: `secret-${randomBytes(15).toString('hex')}`,
      sessionToken: `token-${randomBytes(24).toString('base64url')}`,
      // Whole seconds, as AWS's ISO 8601 expirations are.
      expiresAt: Math.floor((Date.now() + this.lifetimeMs) / 1000) * 1000,
    };
    this.issued.push(c);
    for (const l of this.listeners) l(c);
    return c;
  }

  /** Starts over: nothing issued. */
  forget(): void {
    this.issued.length = 0;
  }

  /** Every secret handed out: what must never show in a log line or an error. */
  secrets(): string[] {
    return this.issued.flatMap((c) => [c.secretAccessKey, c.sessionToken]);
  }
}

/** AWS writes expirations without milliseconds: 2026-12-07T11:00:00Z. */
export const awsTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
