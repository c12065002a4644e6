/**
 * What /readyz answers: whether this process should be sent traffic. Each store it depends on is probed
 * (the database, Redis when configured, the blob store), and once the process starts draining it answers
 * 503 from then on, so a load balancer stops sending it new requests while the ones in flight finish.
 */
import { type ErrorBody, GatewayError } from '../domain/errors.js';

/** Resolves when the dependency answers; rejects with why not. */
export type Probe = () => Promise<void>;

export interface ReadinessReport {
  status: 200 | 503;
  body: {
    status: 'ready' | 'unavailable' | 'draining';
    /** Each probe by name: `ok`, or why it failed. */
    checks: Record<string, string>;
    draining: boolean;
  } & Partial<ErrorBody>;
}

export class Readiness {
  private draining = false;

  /** `probes` by the name the report gives them (`database`, `redis`, `blobs`). */
  constructor(
    private readonly probes: Readonly<Record<string, Probe>>,
    private readonly timeoutMs = 2_000,
  ) {}

  /** From now on this process reports 503 `draining`: it is stopping and should get no new requests. */
  startDraining(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  async report(): Promise<ReadinessReport> {
    const names = Object.keys(this.probes);
    const results = await Promise.all(names.map((name) => this.run(this.probes[name]!)));
    const checks = Object.fromEntries(names.map((name, i) => [name, results[i]!]));
    const failing = names.filter((name) => checks[name] !== 'ok');
    if (!this.draining && failing.length === 0) return { status: 200, body: { status: 'ready', checks, draining: false } };
    const why = this.draining ? 'the process is draining (stopping)' : `unavailable: ${failing.map((n) => `${n} (${checks[n]})`).join(', ')}`;
    const error = new GatewayError('service_unavailable', `Not ready: ${why}.`, { param: null }).toBody();
    return { status: 503, body: { status: this.draining ? 'draining' : 'unavailable', checks, draining: this.draining, ...error } };
  }

  /** `ok`, or a short reason: the error's code when it has one (driver messages can carry addresses). */
  private async run(probe: Probe): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
    });
    const outcome = probe().then(
      () => 'ok',
      (e: unknown) => reasonOf(e),
    );
    try {
      return await Promise.race([outcome, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function reasonOf(e: unknown): string {
  const code = (e as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && code) return `failed: ${code}`;
  return 'failed';
}
