/**
 * Webhook delivery for finished tasks: a POST of the final task object, signed with the key's webhook secret
 * (`imagegate-signature: t=<unix s>,v1=<hex HMAC-SHA256 of "<t>.<body>">`), retried with exponential
 * backoff for a day. Attempts are kept on the task. Callback URLs obey the same safety rules as image URLs.
 */
import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import { safeFetch } from '../net/safe-fetch.js';
import type { KeyStore } from '../store/keys.js';
import type { TaskRow, TaskStore } from './store.js';

export interface WebhookAttempt {
  at: number;
  status: number | null;
  error?: string;
}

export interface WebhookState {
  status: 'pending' | 'delivered' | 'failed';
  attempts: WebhookAttempt[];
}

/** A task's delivery state as kept in its `webhook` column; pending with no attempts until the first one. */
export function webhookStateOf(row: Pick<TaskRow, 'webhook'>): WebhookState {
  return row.webhook ? (JSON.parse(row.webhook) as WebhookState) : { status: 'pending', attempts: [] };
}

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface WebhookOptions {
  allowlist: string[];
  /** First retry delay; doubles per attempt, capped at an hour. */
  baseDelayMs?: number;
  /** Give up this long after the task finished. */
  giveUpAfterMs?: number;
  timeoutMs?: number;
}

export class WebhookDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly store: TaskStore,
    private readonly keys: KeyStore,
    /** The task object clients see (the server renders it; the body is signed as rendered). */
    private readonly render: (row: TaskRow) => unknown,
    private readonly log: Logger,
    private readonly opts: WebhookOptions,
  ) {}

  start(everyMs = 500): void {
    this.timer = setInterval(() => void this.tick(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const now = Date.now();
      for (const row of await this.store.webhooksDue(now, 20)) {
        // Claim the delivery by pushing its time forward; another instance that read the same row loses the race.
        if (await this.store.webhookState(row.id, JSON.stringify(webhookStateOf(row)), now + 60_000, row.next_webhook_at!)) {
          await this.deliver(row, now + 60_000);
        }
      }
    } catch (err) {
      this.log.error({ err }, 'webhook dispatch failed');
    } finally {
      this.busy = false;
    }
  }

  private async deliver(row: TaskRow, claimedUntil: number): Promise<void> {
    const state = webhookStateOf(row);
    const body = JSON.stringify(this.render(row));
    const key = row.key_id ? await this.keys.get(row.key_id) : undefined;
    const ts = Math.floor(Date.now() / 1000);
    const attempt: WebhookAttempt = { at: ts, status: null };
    try {
      const res = await safeFetch(row.callback_url!, {
        param: 'callback_url',
        allowlist: this.opts.allowlist,
        maxBytes: 64 * 1024,
        timeoutMs: this.opts.timeoutMs ?? 10_000,
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'imagegate-webhooks',
          'imagegate-event': `task.${row.status}`,
          ...(key?.webhookSecret ? { 'imagegate-signature': signWebhook(key.webhookSecret, ts, body) } : {}),
        },
      });
      attempt.status = res.status;
    } catch (e) {
      attempt.error = (e as Error).message.slice(0, 300);
    }
    state.attempts.push(attempt);
    const ok = attempt.status !== null && attempt.status >= 200 && attempt.status < 300;
    const n = state.attempts.length;
    const base = this.opts.baseDelayMs ?? 5_000;
    const next = Date.now() + Math.min(base * 2 ** (n - 1), 3_600_000);
    const giveUp = (row.finished_at ?? Date.now()) + (this.opts.giveUpAfterMs ?? 86_400_000);
    state.status = ok ? 'delivered' : next > giveUp ? 'failed' : 'pending';
    await this.store.webhookState(row.id, JSON.stringify(state), state.status === 'pending' ? next : null, claimedUntil);
  }
}
