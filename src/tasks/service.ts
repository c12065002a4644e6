/**
 * Async image tasks: submit (validate and hold in the request, then queue), run in leased workers through
 * the same pipeline as synchronous requests, and cancel. A success keeps a dialect-neutral result (result.ts).
 */
import type { Logger } from 'pino';
import { Hold } from '../billing/hold.js';
import type { Ledger } from '../billing/ledger.js';
import type { DraftRequest } from '../domain/draft.js';
import { GatewayError, toGatewayError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { type Delivery, delivered, execute, prepare, type PipelineDeps, type PreparedJob } from '../pipeline/pipeline.js';
import { routesFor } from '../pipeline/route-choice.js';
import type { Principal } from '../domain/principal.js';
import { checkUrl } from '../net/url-policy.js';
import type { KeyStore } from '../store/keys.js';
import type { TxWork } from '../store/transact.js';
import { decodeJob, encodeJob } from './job-codec.js';
import { encodeTaskResult, taskResultOf } from './result.js';
import { ProgressWriter } from './progress-writer.js';
import { isTerminal } from './state.js';
import { newTaskRow, noClaim, type TaskRow, type TaskStore } from './store.js';

export interface TaskServiceDeps {
  store: TaskStore;
  pipeline: PipelineDeps;
  ledger: Ledger;
  keys: KeyStore;
  log: Logger;
  instanceId: string;
  /** Most tasks this process runs at once. */
  workers: number;
  /** Most tasks of one account running at once across all instances (0 = no cap). */
  accountWorkers?: number;
  leaseMs?: number;
  pollMs?: number;
  /** Called once per task, by the instance whose run was recorded as the task's success (metrics). */
  onTaskSucceeded?: (row: TaskRow, delivery: Delivery) => void;
}

/** A task this process runs. */
interface RunningTask {
  ac: AbortController;
  /** Its upstream work began (a provider slot granted): from then on it runs to its end here. */
  started: boolean;
  /** Given back to the queue unstarted (shutdown): it neither fails nor closes its hold here. */
  handedBack: boolean;
}

export class TaskService {
  private active = new Map<string, RunningTask>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private readonly leaseMs: number;

  constructor(private readonly d: TaskServiceDeps) {
    this.leaseMs = d.leaseMs ?? 30_000;
  }

  get running(): number {
    return this.active.size;
  }

  /**
   * Validates and holds exactly like a synchronous request, and queues: the task's row is written in the
   * hold's transaction, so a crash leaves both or neither; so is `alongside` (the request's Idempotency-Key
   * claim learns its task). Errors surface to the caller now.
   */
  async submit(
    principal: Principal,
    draft: DraftRequest,
    requestId: string,
    signal: AbortSignal,
    alongside?: (taskId: string) => TxWork<void>,
  ): Promise<TaskRow> {
    const id = newId('task');
    const callbackUrl = draft.callbackUrl ?? principal.key.callbackUrl ?? null;
    // The address rules are checked again, after DNS, at each delivery.
    if (callbackUrl) checkUrl(callbackUrl, 'callback_url', this.d.pipeline.config.urlAllowlist);
    let queued: TaskRow | undefined;
    const prepared = await prepare(this.d.pipeline, principal, draft, requestId, signal, {
      task: {
        id,
        record: async (job, quoted) => {
          const row = newTaskRow({
            id,
            accountId: principal.accountId,
            keyId: principal.key.id,
            model: job.model,
            endpoint: draft.endpoint,
            job: await encodeJob(this.d.pipeline.blobs, job),
            holdId: null,
            quoted,
            callbackUrl,
          });
          const store = this.d.store;
          return function* (holdId) {
            yield* store.insertWork((queued = { ...row, hold_id: holdId }));
            if (alongside) yield* alongside(id);
          };
        },
      },
    });
    await prepared.release();
    setImmediate(() => void this.tick());
    return queued!;
  }

  /** The task with this id, if it is the account's. */
  get(id: string, accountId: string): Promise<TaskRow | undefined> {
    return this.d.store.get(id, accountId);
  }

  /**
   * Takes over a synchronous request whose upstream task was still running when the model's time limit ran
   * out: a new task, already running, that owns the request's hold and whose worker resumes polling that
   * upstream task (so the client polls instead of paying for a second image). Undefined when nothing was
   * taken over — the route cannot resume, or the hold is no longer the request's to give — and the caller
   * refunds as usual.
   */
  async adopt(prepared: PreparedJob, endpoint: string, upstream: { taskId: string; routeId: string }): Promise<TaskRow | undefined> {
    const route = prepared.model.routes.find((r) => r.id === upstream.routeId);
    if (!route || !this.d.pipeline.adapters.get(route.provider)?.resume) return undefined;
    const { principal, hold } = prepared;
    const id = newId('task');
    const row = await this.d.store.createClaiming(
      {
        id,
        accountId: principal.accountId,
        keyId: principal.key.id,
        model: prepared.model.id,
        endpoint,
        // Task results are hosted URLs, whatever the synchronous request asked for.
        job: await encodeJob(this.d.pipeline.blobs, { ...prepared.job, responseFormat: 'url' }),
        holdId: hold?.id ?? null,
        quoted: prepared.quoted,
        callbackUrl: principal.key.callbackUrl ?? null,
        upstream,
      },
      // The synchronous request's hold is owned by this process (the default owner of Billing.hold).
      hold ? () => this.d.ledger.transferHoldWork(hold.id, this.d.instanceId, `task:${id}`) : noClaim,
    );
    if (row) setImmediate(() => void this.tick());
    return row;
  }

  /**
   * Cancels a task that has not finished. The canceled state and the hold's refund are one transaction, as a
   * worker's success and its settle are: whichever commits first wins, and the other changes nothing.
   * `alongside` (an operator's audit entry) is written in that transaction, only by the cancel that wins.
   */
  async cancel(row: TaskRow, alongside?: () => TxWork<void>): Promise<TaskRow> {
    if (isTerminal(row.status)) {
      throw new GatewayError('invalid_request', `Task ${row.id} has already finished (${row.status}) and cannot be canceled.`, { param: 'id' });
    }
    const error = JSON.stringify({
      status: 499,
      body: { error: { message: 'The task was canceled.', type: 'invalid_request_error', param: null, code: 'canceled' } },
    });
    const store = this.d.store;
    const finish = function* (): TxWork<boolean> {
      const canceled = yield* store.finishWithHoldWork(row.id, 'canceled', { error });
      if (canceled && alongside) yield* alongside();
      return canceled;
    };
    const canceled = row.hold_id
      ? (await this.d.ledger.refundAfter(row.hold_id, 'task canceled', finish)).closed
      : await this.d.pipeline.billing.transact({ write: finish });
    if (!canceled) {
      // Its worker finished it a moment ago (and settled or refunded its hold with that).
      const now = await this.d.store.get(row.id);
      throw new GatewayError('invalid_request', `Task ${row.id} has already finished and cannot be canceled.`, {
        param: 'id',
        details: { status: now?.status },
      });
    }
    this.active.get(row.id)?.ac.abort(new Error('task canceled'));
    // Read again: the worker may have stored the upstream job's id since `row` was read.
    const now = (await this.d.store.get(row.id))!;
    if (now.upstream_task_id && now.route_id) await this.cancelUpstream(now).catch(() => undefined);
    return (await this.d.store.get(row.id))!;
  }

  private async cancelUpstream(row: TaskRow): Promise<void> {
    const model = this.d.pipeline.catalog.resolve(row.model);
    const route = model?.routes.find((r) => r.id === row.route_id);
    const adapter = route && this.d.pipeline.adapters.get(route.provider);
    if (route && adapter?.cancel) await adapter.cancel(row.upstream_task_id!, route, AbortSignal.timeout(10_000));
  }

  start(): void {
    const pollMs = this.d.pollMs ?? 250;
    this.timer = setInterval(() => void this.tick(), pollMs);
    this.timer.unref();
  }

  /**
   * Stop taking tasks, hand back the ones not started yet (waiting for a provider slot, or loading their
   * inputs) so that another instance takes them at once rather than when their lease runs out, and wait
   * (bounded) for the running ones; those unfinished are resumed by a live worker after their lease.
   */
  async stop(waitMs = 10_000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const unstarted = [...this.active].filter(([, t]) => !t.started);
    for (const [, t] of unstarted) {
      t.handedBack = true;
      t.ac.abort(new Error('handed back to the queue: this gateway is shutting down'));
    }
    await Promise.all(
      unstarted.map(([id]) =>
        this.d.store.handBack(id, this.d.instanceId).catch((err: unknown) => this.d.log.error({ err, task_id: id }, 'task hand-back failed')),
      ),
    );
    const until = Date.now() + waitMs;
    while (this.active.size && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  }

  private async tick(): Promise<void> {
    if (this.ticking || !this.timer) return;
    this.ticking = true;
    try {
      const rows = await this.d.store.lease(this.d.instanceId, this.d.workers - this.active.size, this.leaseMs, this.d.accountWorkers ?? 0);
      for (const row of rows) {
        // A failure to record the outcome must not take the process down; the lease runs out and another
        // worker finishes the task.
        this.run(row).catch((err: unknown) => this.d.log.error({ err, task_id: row.id }, 'task run failed'));
      }
    } catch (err) {
      this.d.log.error({ err }, 'task lease failed');
    } finally {
      this.ticking = false;
    }
  }

  private async run(row: TaskRow): Promise<void> {
    const ac = new AbortController();
    const task: RunningTask = { ac, started: false, handedBack: false };
    this.active.set(row.id, task);
    const owner = this.d.instanceId;
    const renew = setInterval(
      () => {
        this.d.store.renew(row.id, owner, this.leaseMs).then(
          (ok) => {
            if (!ok) ac.abort(new Error('task lease lost'));
          },
          // The database is unreachable: the next renewal tries again; if the lease runs out meanwhile, another
          // worker takes the task over and this run's settle is refused by its guard.
          (err: unknown) => this.d.log.warn({ err, task_id: row.id }, 'task lease renewal failed'),
        );
      },
      Math.max(100, this.leaseMs / 3),
    );
    const progress = new ProgressWriter(
      (percent) => this.d.store.progress(row.id, owner, percent),
      (err) => this.d.log.warn({ err, task_id: row.id }, 'task progress could not be written'),
    );
    try {
      const prepared = await this.rebuild(row);
      if (!prepared || task.handedBack) return;
      try {
        const execution = await execute(this.d.pipeline, prepared, {
          signal: ac.signal,
          onUpstreamStart: () => void (task.started = true),
          onProgress: (percent) => progress.report(percent),
          taskClosesHold: true,
          onUpstreamTask: async (upstreamId, routeId) => {
            const status = (await this.d.store.setUpstream(row.id, owner, upstreamId, routeId)) ?? (await this.d.store.get(row.id))?.status;
            // A cancel that committed before this id did found no upstream job to cancel: it is cancelled from here.
            if (status === 'canceled') {
              await this.cancelUpstream({ ...row, upstream_task_id: upstreamId, route_id: routeId }).catch(() => undefined);
            }
          },
          resumeUpstreamTask: row.upstream_task_id && row.route_id ? { id: row.upstream_task_id, routeId: row.route_id } : undefined,
        });
        const { settlement } = execution;
        const delivery = delivered(execution, settlement.amount);
        const result = encodeTaskResult(taskResultOf(delivery));
        // The result, the charge and the terminal state commit together: a crash leaves the task running with
        // its hold open (a re-run settles once), never charged without its result.
        const finished = await settlement.settleWith(() => this.d.store.finishWithHoldWork(row.id, 'succeeded', { result }, owner));
        // Canceled meanwhile (its hold refunded with that), or taken over after our lease ran out.
        if (finished) this.d.onTaskSucceeded?.(row, delivery);
        else this.d.log.info({ task_id: row.id }, 'task was canceled or taken over before it finished here: its result is dropped, nothing charged');
      } catch (e) {
        if (!task.handedBack) await this.fail(row, e, owner);
      }
    } catch (e) {
      if (task.handedBack) return;
      // The task could not even be rebuilt (inputs gone, model removed): fail it and refund.
      await this.fail(row, e, owner);
      this.d.log.error({ err: e, task_id: row.id }, 'task could not run');
    } finally {
      clearInterval(renew);
      progress.stop();
      this.active.delete(row.id);
      setImmediate(() => void this.tick());
    }
  }

  /**
   * Failed, and its hold refunded, in one transaction and only while this worker holds the task's lease: a
   * worker that lost it (its task taken over, or canceled) leaves the money to whoever owns the task now.
   */
  private async fail(row: TaskRow, e: unknown, owner: string): Promise<void> {
    const data = failure(e);
    const store = this.d.store;
    if (row.hold_id) await this.d.ledger.refundAfter(row.hold_id, 'task failed', () => store.finishWithHoldWork(row.id, 'failed', data, owner));
    else await store.finish(row.id, 'failed', data, owner);
  }

  /**
   * The task's prepared job, or undefined when it must not run again: its hold was closed before the task
   * finished (refunded by a failure whose finish did not get written; or, written by older versions that
   * settled before finishing, settled). It then ends as its money says, without another upstream call.
   */
  private async rebuild(row: TaskRow): Promise<PreparedJob | undefined> {
    const record = row.hold_id ? await this.d.ledger.holdRecord(row.hold_id) : undefined;
    if (record && record.status !== 'open') {
      const owner = this.d.instanceId;
      if (record.status === 'settled') await this.d.store.finish(row.id, 'succeeded', {}, owner);
      else {
        const err = new GatewayError('upstream_error', 'The task failed and its hold was refunded; it was not run again.', { retryable: false });
        await this.d.store.finish(row.id, 'failed', failure(err), owner);
      }
      return undefined;
    }
    const model = this.d.pipeline.catalog.resolve(row.model);
    if (!model) throw new GatewayError('model_not_found', `The model "${row.model}" of this task is no longer available.`);
    const key = row.key_id ? await this.d.keys.get(row.key_id) : undefined;
    if (!key) throw new GatewayError('invalid_api_key', 'The key that created this task no longer exists.');
    const job = await decodeJob(this.d.pipeline.blobs, row.job);
    return {
      job,
      model,
      // The routes are chosen again: the catalog's configured routes may differ from those at submission.
      routes: routesFor(model, job, this.d.pipeline.adapters),
      principal: { key, accountId: row.account_id, isAdmin: key.isAdmin },
      hold: record ? new Hold(this.d.ledger, record) : undefined,
      quoted: row.quoted,
      dropped: [],
      release: async () => undefined,
      rateLimitHeaders: {},
      acceptTextOnly: false,
    };
  }
}

/** A failed task's stored error: the status and body its client reads. */
function failure(e: unknown): { error: string } {
  const err = toGatewayError(e);
  return { error: JSON.stringify({ status: err.status, body: err.toBody() }) };
}
