/**
 * A fake EC2 instance metadata service requiring IMDSv2 (HttpTokens=required): a session token from
 * `PUT /latest/api/token` (with x-aws-ec2-metadata-token-ttl-seconds), then GETs carrying it as
 * x-aws-ec2-metadata-token; a GET without a valid token is 401. The role list and the role's credentials
 * are answered as EC2 documents them; `role` undefined is an instance without an instance profile (404).
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { awsTime, CredentialIssuer } from './aws-credentials.js';
import { HttpFake, type RecordedRequest, sendJson } from './http-fake.js';

export class FakeInstanceMetadata extends HttpFake {
  readonly issuer = new CredentialIssuer('IMDS');
  role: string | undefined = 'imagegate-instance-role';
  private readonly sessionTokens = new Set<string>();

  constructor() {
    super([]);
    this.routes.push(
      { method: 'PUT', path: /^\/latest\/api\/token$/, handle: (req, res) => this.token(req, res) },
      {
        method: 'GET',
        path: /^\/latest\/meta-data\/iam\/security-credentials\/(.*)$/,
        handle: (req, res, m) => this.credentials(req, res, decodeURIComponent(m[1]!)),
      },
    );
  }

  override reset(): void {
    super.reset();
    this.issuer.forget();
  }

  private token(req: RecordedRequest, res: ServerResponse): void {
    const ttl = Number(req.headers['x-aws-ec2-metadata-token-ttl-seconds']);
    if (!(ttl >= 1 && ttl <= 21600)) return sendText(res, 400, '');
    const t = randomBytes(24).toString('base64');
    this.sessionTokens.add(t);
    sendText(res, 200, t);
  }

  private credentials(req: RecordedRequest, res: ServerResponse, name: string): void {
    if (!this.sessionTokens.has(String(req.headers['x-aws-ec2-metadata-token'] ?? ''))) return sendText(res, 401, '');
    if (!this.role || (name && name !== this.role)) return sendText(res, 404, '');
    if (!name) return sendText(res, 200, this.role);
    const c = this.issuer.issue();
    sendJson(res, 200, {
      Code: 'Success',
      LastUpdated: awsTime(Date.now()),
      Type: 'AWS-HMAC',
      AccessKeyId: c.accessKeyId,
      SecretAccessKey: c.secretAccessKey,
      Token: c.sessionToken,
      Expiration: awsTime(c.expiresAt),
    });
  }
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
