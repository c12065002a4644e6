/**
 * One task of any account, for the console's task page: its detail (who, money, attempts, result, webhook
 * deliveries) and an operator's cancel, which is the client's cancel plus an audit entry (records/tasks.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../../store/audit-log.js';
import type { Db } from '../../store/db.js';
import type { TaskService } from '../../tasks/service.js';
import type { TaskStore } from '../../tasks/store.js';
import { ADMIN } from '../audience.js';
import { cancelTaskAudited, mustTask, taskDetail } from '../records/tasks.js';

export type { TaskDetailView } from '../records/tasks.js';

export function adminTaskRoutes(
  app: FastifyInstance,
  d: { db: Db; tasks: TaskService; taskStore: TaskStore; auditLog: AuditLog; config: { publicUrl: string } },
): void {
  const db = d.db.kysely;
  app.get<{ Params: { id: string } }>('/v1/admin/tasks/:id', ADMIN, async (req) =>
    taskDetail(db, await mustTask(d.taskStore, req.params.id), d.config.publicUrl),
  );

  app.post<{ Params: { id: string } }>('/v1/admin/tasks/:id/cancel', ADMIN, async (req) => {
    const row = await mustTask(d.taskStore, req.params.id);
    return taskDetail(db, await cancelTaskAudited({ db, tasks: d.tasks, auditLog: d.auditLog }, req, row), d.config.publicUrl);
  });
}
