/**
 * OAuth access tokens for a service account, as Google's auth libraries get them: a signed JWT exchanged at
 * the token endpoint, the token kept until five minutes before it expires, and one exchange at a time however
 * many calls wait for it. The token is a secret: it goes only into the Authorization header of Vertex calls.
 */
import { GatewayError } from '../../domain/errors.js';
import { callUpstream, timeoutError } from '../http.js';
import type { CallContext } from '../../domain/adapter.js';
import { signAssertion } from './jwt.js';
import { readServiceAccount, type ServiceAccount } from './service-account.js';

/** Google's token endpoint (google-auth-library's default); IMAGEGATE_GOOGLE_TOKEN_URL overrides it. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
/** google-auth-library refreshes this long before expiry (its eagerRefreshThresholdMillis). */
export const REFRESH_MARGIN_MS = 5 * 60_000;
/** One token exchange may take this long; it is shared by every call waiting, so no single caller's signal ends it. */
const EXCHANGE_TIMEOUT_MS = 30_000;
const WHO = "Google's token endpoint";

interface TokenReply {
  access_token?: string;
  expires_in?: number;
  token_type?: string;
  error?: string;
}

interface Token {
  value: string;
  expiresAt: number;
}

export class ServiceAccountTokens {
  private token: Token | undefined;
  private pending: Promise<Token> | undefined;
  private account: Promise<ServiceAccount> | undefined;

  constructor(
    private readonly credentialsPath: string,
    private readonly tokenUrl: string,
  ) {}

  /** The key file, read once (a failed read is tried again next time). */
  serviceAccount(): Promise<ServiceAccount> {
    this.account ??= readServiceAccount(this.credentialsPath).catch((e: unknown) => {
      this.account = undefined;
      throw e;
    });
    return this.account;
  }

  /**
   * A token valid for five more minutes at least. A caller waits for a shared exchange only as long as its
   * own call may last: its deadline or cancellation ends its wait, not the exchange the others wait on.
   */
  async accessToken(ctx?: Pick<CallContext, 'signal' | 'deadline'>): Promise<string> {
    if (this.token && this.token.expiresAt - REFRESH_MARGIN_MS > Date.now()) return this.token.value;
    this.pending ??= this.exchange().then(
      (token) => ((this.token = token), (this.pending = undefined), token),
      (e: unknown) => {
        this.pending = undefined;
        throw e;
      },
    );
    return (await (ctx ? waitWithin(this.pending, ctx) : this.pending)).value;
  }

  /** The upstream refused this token (revoked, or expired early): the next call exchanges again. */
  forget(token: string): void {
    if (this.token?.value === token) this.token = undefined;
  }

  private async exchange(): Promise<Token> {
    const account = await this.serviceAccount();
    const issuedAt = Date.now();
    let assertion: string;
    try {
      assertion = signAssertion(account, this.tokenUrl, Math.floor(issuedAt / 1000));
    } catch (e) {
      throw new GatewayError('upstream_error', 'The Vertex AI service account key cannot sign (its private_key is not an RSA key); the operator must fix it.', {
        retryable: true,
        cause: e,
      });
    }
    const res = await callUpstream(
      WHO,
      {
        method: 'POST',
        url: this.tokenUrl,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
      },
      { signal: AbortSignal.timeout(EXCHANGE_TIMEOUT_MS), deadline: issuedAt + EXCHANGE_TIMEOUT_MS },
    );
    let reply: TokenReply = {};
    try {
      reply = res.json<TokenReply>();
    } catch {
      /* an error page: the status decides */
    }
    if (res.status === 200 && typeof reply.access_token === 'string' && reply.access_token) {
      return { value: reply.access_token, expiresAt: issuedAt + (reply.expires_in ?? 3600) * 1000 };
    }
    // 400/401 (invalid_grant, unauthorized_client, a deleted key) are the operator's to fix; 5xx may pass.
    // Only the OAuth error code is quoted: the description may name the account.
    const code = typeof reply.error === 'string' ? ` (${reply.error.slice(0, 64)})` : '';
    throw new GatewayError(
      'upstream_error',
      res.status >= 500 || res.status === 429
        ? `${WHO} failed with HTTP ${res.status}${code}.`
        : `${WHO} refused the Vertex AI service account (HTTP ${res.status}${code}); the operator must fix GOOGLE_APPLICATION_CREDENTIALS.`,
      { retryable: true },
    );
  }
}

/** `work`, or the caller's own timeout or cancellation if either comes first (`work` runs on for others). */
function waitWithin<T>(work: Promise<T>, ctx: Pick<CallContext, 'signal' | 'deadline'>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(() => reject(timeoutError(WHO))), Math.max(0, ctx.deadline - Date.now()));
    const onAbort = () => finish(() => reject(new GatewayError('upstream_error', `The request to ${WHO} was cancelled.`, { retryable: false })));
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      settle();
    };
    if (ctx.signal.aborted) return onAbort();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => finish(() => resolve(v)),
      (e: unknown) => finish(() => reject(e)),
    );
  });
}

/** One token cache per key file and token endpoint, shared by every route that uses them. */
export class TokenCaches {
  private readonly byFile = new Map<string, ServiceAccountTokens>();
  constructor(private readonly tokenUrl: string) {}
  for(credentialsPath: string): ServiceAccountTokens {
    let tokens = this.byFile.get(credentialsPath);
    if (!tokens) this.byFile.set(credentialsPath, (tokens = new ServiceAccountTokens(credentialsPath, this.tokenUrl)));
    return tokens;
  }
}
