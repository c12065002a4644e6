/**
 * Temporary credentials (STS, container, instance metadata) kept fresh. Inside the refresh margin before
 * expiry one refresh starts in the background and every caller keeps signing with the current credentials
 * until the new ones arrive; once they are too close to expiry to use, callers wait for the refresh. However
 * many callers ask at once, one refresh runs, and a source that failed is not asked again before a pause:
 * meanwhile its failure is the answer, so an outage of STS or the metadata service is not met with a call
 * per request.
 */
import { CredentialError } from './errors.js';
import type { CredentialProvider, LoadedCredentials } from './types.js';

export interface RefreshTiming {
  /** Start refreshing this long before expiry (the AWS SDKs use 5 minutes). */
  marginMs: number;
  /** Credentials this close to expiry are not used: a request signed now may arrive after they lapse. */
  minLifeMs: number;
  /** A refresh is tried no sooner than this after the last one started, so a failing source is not hammered. */
  retryPauseMs: number;
  now: () => number;
}

export const DEFAULT_REFRESH_TIMING: RefreshTiming = { marginMs: 5 * 60_000, minLifeMs: 15_000, retryPauseMs: 10_000, now: Date.now };

export class RefreshingCredentials implements CredentialProvider {
  private current: LoadedCredentials | undefined;
  private inFlight: Promise<LoadedCredentials> | undefined;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private lastFailure: unknown;

  private readonly timing: RefreshTiming;
  private readonly onBackgroundFailure: (err: unknown) => void;

  constructor(
    private readonly load: () => Promise<LoadedCredentials>,
    o: {
      timing?: RefreshTiming;
      /** Told of a background refresh that failed while the current credentials are still in use. */
      onBackgroundFailure?: (err: unknown) => void;
      /** Credentials already loaded, used until they need refreshing. */
      initial?: LoadedCredentials;
    } = {},
  ) {
    this.timing = o.timing ?? DEFAULT_REFRESH_TIMING;
    this.onBackgroundFailure = o.onBackgroundFailure ?? (() => {});
    this.current = o.initial;
  }

  async get(): Promise<LoadedCredentials> {
    const c = this.current;
    if (!c) return this.refresh();
    if (c.expiresAt === undefined) return c;
    const now = this.timing.now();
    const left = c.expiresAt - now;
    if (left > this.timing.marginMs) return c;
    if (left > this.timing.minLifeMs) {
      if (!this.inFlight && now - this.lastAttemptAt >= this.timing.retryPauseMs) this.refresh().catch(this.onBackgroundFailure);
      return c;
    }
    return this.refresh();
  }

  private refresh(): Promise<LoadedCredentials> {
    if (this.inFlight) return this.inFlight;
    const now = this.timing.now();
    if (this.lastFailure !== undefined && now - this.lastAttemptAt < this.timing.retryPauseMs) return Promise.reject(this.lastFailure);
    this.lastAttemptAt = now;
    const run = (async () => {
      try {
        const fresh = await this.load();
        // Keys that lapse before they could be used would have every caller refresh again at once.
        if (fresh.expiresAt !== undefined && fresh.expiresAt - this.timing.now() <= this.timing.minLifeMs) {
          throw new CredentialError(`S3 credentials: the new ones expire at ${new Date(fresh.expiresAt).toISOString()}, too soon to use`);
        }
        this.current = fresh;
        this.lastFailure = undefined;
        return fresh;
      } catch (err) {
        this.lastFailure = err;
        throw err;
      }
    })();
    this.inFlight = run;
    const clear = () => {
      if (this.inFlight === run) this.inFlight = undefined;
    };
    run.then(clear, clear);
    return run;
  }
}
