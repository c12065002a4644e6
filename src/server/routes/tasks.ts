/** Polling, listing and cancelling async tasks. A task is visible only to its own account. */
import type { FastifyInstance } from 'fastify';
import { GatewayError, invalidRequest } from '../../domain/errors.js';
import type { TaskService } from '../../tasks/service.js';
import type { TaskStatus } from '../../tasks/state.js';
import type { TaskStore } from '../../tasks/store.js';
import { CLIENT } from '../audience.js';
import { renderTask } from '../task-object.js';

const STATUSES: TaskStatus[] = ['pending', 'running', 'succeeded', 'failed', 'canceled'];

export function taskRoutes(app: FastifyInstance, d: { tasks: TaskService; store: TaskStore; publicUrl: () => string }): void {
  const mine = async (id: string, accountId: string) => {
    const row = await d.store.get(id, accountId);
    if (!row) throw new GatewayError('not_found', `No task "${id}".`, { param: 'id' });
    return row;
  };
  for (const path of ['/v1/tasks/:id', '/v1/images/tasks/:id']) {
    app.get<{ Params: { id: string } }>(path, CLIENT, async (req) => renderTask(await mine(req.params.id, req.principal!.accountId), d.publicUrl()));
  }
  app.post<{ Params: { id: string } }>('/v1/tasks/:id/cancel', CLIENT, async (req) => {
    const row = await mine(req.params.id, req.principal!.accountId);
    return renderTask(await d.tasks.cancel(row), d.publicUrl());
  });
  app.get<{ Querystring: { status?: string; after?: string; limit?: string } }>('/v1/tasks', CLIENT, async (req) => {
    const q = req.query;
    if (q.status && !STATUSES.includes(q.status as TaskStatus)) throw invalidRequest('status', `status must be one of ${STATUSES.join(', ')}.`);
    const limit = q.limit === undefined ? 20 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalidRequest('limit', 'limit must be an integer from 1 to 100.');
    const rows = await d.store.list(req.principal!.accountId, { status: q.status as TaskStatus | undefined, after: q.after, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return {
      object: 'list',
      data: page.map((r) => renderTask(r, d.publicUrl())),
      has_more: rows.length > limit,
      last_id: page.at(-1)?.id ?? null,
    };
  });
}
