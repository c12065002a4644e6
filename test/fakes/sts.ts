/**
 * A fake AWS STS answering AssumeRoleWithWebIdentity as STS does: a form-encoded POST (Action, Version,
 * RoleArn, RoleSessionName, WebIdentityToken), unsigned, answered with the XML document of the STS API
 * reference, or an `<ErrorResponse>` (InvalidIdentityToken 400, AccessDenied 403). `echoToken` makes its
 * error messages quote the token back, as a careless proxy might, to prove the gateway never repeats it.
 */
import type { ServerResponse } from 'node:http';
import { awsTime, CredentialIssuer } from './aws-credentials.js';
import { HttpFake, type RecordedRequest } from './http-fake.js';

export class FakeSts extends HttpFake {
  readonly issuer = new CredentialIssuer('STS');
  /** Roles that may be assumed, and the tokens accepted for them. */
  readonly roles = new Set<string>();
  readonly tokens = new Set<string>();
  echoToken = false;

  constructor() {
    super([]);
    this.routes.push({ method: 'POST', path: /^\/$/, handle: (req, res) => this.answer(req, res) });
  }

  override reset(): void {
    super.reset();
    this.issuer.forget();
  }

  /** The form fields of each call, in order. */
  calls(): URLSearchParams[] {
    return this.requestsTo('/').map((r) => new URLSearchParams(r.body.toString('utf8')));
  }

  private answer(req: RecordedRequest, res: ServerResponse): void {
    const form = new URLSearchParams(req.body.toString('utf8'));
    if (form.get('Action') !== 'AssumeRoleWithWebIdentity' || form.get('Version') !== '2011-06-15') {
      return sendError(res, 400, 'InvalidAction', 'Could not find operation');
    }
    const token = form.get('WebIdentityToken') ?? '';
    const echo = this.echoToken ? ` (token ${token})` : '';
    if (!form.get('RoleSessionName')) return sendError(res, 400, 'ValidationError', 'RoleSessionName is required');
    if (!this.tokens.has(token)) return sendError(res, 400, 'InvalidIdentityToken', `Couldn't retrieve verification key from your identity provider${echo}`);
    const role = form.get('RoleArn') ?? '';
    if (!this.roles.has(role)) return sendError(res, 403, 'AccessDenied', `Not authorized to perform sts:AssumeRoleWithWebIdentity${echo}`);
    const c = this.issuer.issue();
    const xml = [
      '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">',
      '<AssumeRoleWithWebIdentityResult>',
      '<SubjectFromWebIdentityToken>system:serviceaccount:imagegate:gateway</SubjectFromWebIdentityToken>',
      `<AssumedRoleUser><Arn>${role.replace(':role/', ':assumed-role/')}/${form.get('RoleSessionName')}</Arn><AssumedRoleId>AROAFAKE:${form.get('RoleSessionName')}</AssumedRoleId></AssumedRoleUser>`,
      '<Credentials>',
      `<SessionToken>${c.sessionToken}</SessionToken>`,
      `<SecretAccessKey>${c.secretAccessKey}</SecretAccessKey>`,
      `<Expiration>${awsTime(c.expiresAt)}</Expiration>`,
      `<AccessKeyId>${c.accessKeyId}</AccessKeyId>`,
      '</Credentials>',
      '<Provider>oidc.eks.eu-west-1.amazonaws.com/id/FAKE</Provider>',
      '</AssumeRoleWithWebIdentityResult>',
      '<ResponseMetadata><RequestId>fake-request-id</RequestId></ResponseMetadata>',
      '</AssumeRoleWithWebIdentityResponse>',
    ].join('');
    res.writeHead(200, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml) });
    res.end(xml);
  }
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  const xml = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fake-request-id</RequestId></ErrorResponse>`;
  res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml) });
  res.end(xml);
}
