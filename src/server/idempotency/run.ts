/**
 * A create request under an Idempotency-Key, for JSON replies and event streams alike: claim the key (or
 * answer from the earlier request that holds it), run, then keep the answer for replays or release the
 * claim. The answer's hold closes with that: kept for replays is delivered (the client gets it by retrying
 * with its key), so it is charged; an answer that could not be kept is refunded (charge-on-delivery.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DraftRequest } from '../../domain/draft.js';
import { GatewayError, toGatewayError } from '../../domain/errors.js';
import type { TxWork } from '../../store/transact.js';
import type { TaskService } from '../../tasks/service.js';
import { chargeKept, refundUndelivered } from '../charge-on-delivery.js';
import { clientGone } from '../client-gone.js';
import { handedOverTask } from '../handover.js';
import { acceptedTask } from '../task-object.js';
import type { IdempotencyStore, StoredResponse } from './store.js';

export interface IdempotencyDeps {
  idempotency: IdempotencyStore;
  /** Where a retry finds the task its key's first request queued. */
  tasks: Pick<TaskService, 'get'>;
  pipeline: { config: { publicUrl: string } };
}

/** How a run whose answer is kept for replays differs from one answered on its connection only. */
export interface KeptRun {
  /** Written in the transaction that queues the request's task: a retry gets that task from then on. */
  recordTask(taskId: string): TxWork<void>;
}

/** The parts of one kind of request (a JSON reply, an event stream) that the key's sequence runs. */
export interface KeyedRequest<T> {
  draft: DraftRequest;
  /**
   * What makes two requests "the same request" for the key: asked only when a key is given, since it hashes
   * every input image.
   */
  fingerprint(): string;
  /**
   * Runs the request. `kept` is set when a key guards it: the answer is then kept whole for replays and not
   * charged on delivery. Throws for an answer that is an error reply.
   */
  run(kept: KeptRun | undefined): Promise<T>;
  /** What a retry with the key gets for this answer. */
  keep(answer: T): StoredResponse;
  /** Whether this answer is a failure another try may fix (not kept: the retry runs again). */
  retry(answer: T): boolean;
}

/** The reply was sent from the earlier request that holds the key: there is nothing more to send. */
export const REPLAYED = Symbol('replayed');

const JSON_TYPE = 'application/json; charset=utf-8';

export async function runIdempotent<T>(
  deps: IdempotencyDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  request: KeyedRequest<T>,
): Promise<T | typeof REPLAYED> {
  const key = req.headers['idempotency-key'];
  if (typeof key !== 'string' || key === '') return request.run(undefined);
  const accountId = req.principal!.accountId;
  if (await claimOrReplay(deps, req, reply, request.draft, key, request.fingerprint())) return REPLAYED;
  let answer: T;
  try {
    answer = await request.run({ recordTask: (taskId) => deps.idempotency.recordTask(accountId, key, taskId) });
    if (request.retry(answer)) await deps.idempotency.release(accountId, key);
    else await deps.idempotency.complete(accountId, key, request.keep(answer));
  } catch (e) {
    await refundUndelivered(req.imageTrace);
    const err = toGatewayError(e);
    // A timeout handed over to a task is kept although a 5xx: its retry must poll that task, not pay again.
    await deps.idempotency.complete(
      accountId,
      key,
      { status: err.status, body: JSON.stringify(err.toBody()), headers: { 'content-type': JSON_TYPE } },
      { final: handedOverTask(err) !== undefined },
    );
    throw err;
  }
  await chargeKept(req.imageTrace);
  return answer;
}

/**
 * Claims `key` for this request, or, when an earlier request with the same key has finished, sends its
 * stored response (JSON or event stream alike) and resolves true. (A boolean, not the reply: a reply is
 * thenable, so an async function cannot hand one back.)
 */
async function claimOrReplay(
  deps: IdempotencyDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  draft: DraftRequest,
  key: string,
  requestFingerprint: string,
): Promise<boolean> {
  const claim = await deps.idempotency.claim(req.principal!.accountId, key, requestFingerprint, clientGone(reply));
  if (claim.kind === 'owner') return false;
  req.imageTrace = { draft };
  if (claim.kind === 'task') {
    // The first request queued this task, and may have died before answering: the answer is the task.
    const row = await deps.tasks.get(claim.taskId, req.principal!.accountId);
    if (!row) throw new GatewayError('internal_error', `The task ${claim.taskId} of this Idempotency-Key no longer exists.`, { param: 'Idempotency-Key' });
    reply.header('idempotent-replayed', 'true').send(acceptedTask(reply, row, deps.pipeline.config.publicUrl));
    return true;
  }
  reply.code(claim.response.status).headers(claim.response.headers).header('idempotent-replayed', 'true').send(claim.response.body);
  return true;
}
