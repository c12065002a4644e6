/**
 * The task object clients poll (GET /v1/tasks/{id}), get in the 202 that queues a task, and receive by
 * webhook: the task's state, and once it succeeded its stored result in the OpenAI images reply's fields.
 */
import type { FastifyReply } from 'fastify';
import type { ErrorBody } from '../domain/errors.js';
import { imagesUsage } from '../dialects/openai-images.js';
import { readTaskResult, type TaskResult } from '../tasks/result.js';
import type { TaskRow } from '../tasks/store.js';

export function renderTask(row: TaskRow, publicUrl: string) {
  const result = row.result ? readTaskResult(row.result) : undefined;
  const error = row.error ? (JSON.parse(row.error) as { body: ErrorBody }).body.error : undefined;
  const sec = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));
  return {
    id: row.id,
    task_id: row.id,
    object: 'image.task' as const,
    status: row.status,
    model: row.model,
    created: Math.floor(row.created_at / 1000),
    started_at: sec(row.started_at),
    finished_at: sec(row.finished_at),
    progress: row.status === 'succeeded' ? 100 : row.progress,
    poll_url: `${publicUrl}/v1/tasks/${row.id}`,
    ...(result ? resultFields(result, row.id) : {}),
    ...(error && row.status !== 'succeeded' ? { error } : {}),
    ...(row.callback_url ? { webhook: { url: row.callback_url, ...(row.webhook ? JSON.parse(row.webhook) : { attempts: [] }) } } : {}),
  };
}

/** The OpenAI images reply's fields of a result, with the task's id as its request id. */
function resultFields(r: TaskResult, taskId: string) {
  const billing = r.billing && {
    billing_transaction_id: r.billing.transactionId,
    amount: r.billing.amount,
    currency: r.billing.currency,
    unit: 'micro' as const,
  };
  return {
    data: r.images.map((img) => ({
      url: img.url,
      ...(img.revisedPrompt ? { revised_prompt: img.revisedPrompt } : {}),
      ...(img.size ? { size: img.size } : {}),
    })),
    ...(r.usage ? { usage: imagesUsage(r.usage) } : {}),
    billing_transaction_id: billing?.billing_transaction_id ?? null,
    imagegate: { request_id: taskId, model: r.model, ...(billing ? { billing } : {}), ...(r.failed ? { failed: r.failed } : {}) },
  };
}

/** The 202 that answers a request queued as a task. */
export function acceptedTask(reply: FastifyReply, row: TaskRow, publicUrl: string): ReturnType<typeof renderTask> {
  if (row.hold_id) reply.header('x-billing-transaction-id', row.hold_id);
  reply.code(202).header('location', `/v1/tasks/${row.id}`);
  return renderTask(row, publicUrl);
}
