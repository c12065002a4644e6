/**
 * A fake container credentials endpoint (the ECS agent at 169.254.170.2, or EKS Pod Identity's agent): GET
 * its path, with `Authorization: <token>` when the agent requires one (403 otherwise), answered with the
 * JSON ECS documents: RoleArn, AccessKeyId, SecretAccessKey, Token, Expiration.
 */
import { awsTime, CredentialIssuer } from './aws-credentials.js';
import { HttpFake, sendJson } from './http-fake.js';

export class FakeContainerCredentials extends HttpFake {
  readonly issuer = new CredentialIssuer('ECS');
  /** The Authorization header the agent requires; undefined for the ECS agent, which requires none. */
  authorization: string | undefined;

  constructor(readonly credentialsPath = '/v2/credentials/1f6a1c3e-fake-task-credentials') {
    super([]);
    this.routes.push({
      method: 'GET',
      path: /^\/.*$/,
      handle: (req, res) => {
        if (req.path !== this.credentialsPath) return sendJson(res, 404, { message: 'not found' });
        if (this.authorization !== undefined && req.headers.authorization !== this.authorization) return sendJson(res, 403, { message: 'denied' });
        const c = this.issuer.issue();
        sendJson(res, 200, {
          RoleArn: 'arn:aws:iam::123456789012:role/imagegate-task',
          AccessKeyId: c.accessKeyId,
          SecretAccessKey: c.secretAccessKey,
          Token: c.sessionToken,
          Expiration: awsTime(c.expiresAt),
        });
      },
    });
  }

  override reset(): void {
    super.reset();
    this.issuer.forget();
  }
}
