/**
 * Console users (admin API): `GET /v1/admin/users`, `POST /v1/admin/users`, `PATCH /v1/admin/users/:id`.
 * Every change is audited with the person who made it; the diff says that a password changed, never what to.
 */
import type { FastifyInstance } from 'fastify';
import type { Accounts } from '../../billing/accounts.js';
import { GatewayError, invalidRequest } from '../../domain/errors.js';
import type { AuditEntry, AuditLog } from '../../store/audit-log.js';
import type { ConsoleUserStore, Membership } from '../../store/console-users.js';
import { hashPassword } from '../../store/password-hash.js';
import { actingAs } from '../actor.js';
import { ADMIN } from '../audience.js';
import { CreateUserSchema, UpdateUserSchema } from '../console-api.js';
import { userView } from '../console-views.js';
import { parseBody } from './admin.js';

export function adminUserRoutes(app: FastifyInstance, d: { users: ConsoleUserStore; accounts: Accounts; auditLog: AuditLog }): void {
  app.get('/v1/admin/users', ADMIN, async () => ({ object: 'list', data: (await d.users.list()).map(userView) }));

  app.post('/v1/admin/users', ADMIN, async (req, reply) => {
    const body = parseBody(CreateUserSchema, req.body);
    const accountId = body.account_id ?? null;
    let membership: Membership;
    if (body.role === 'operator') {
      if (accountId !== null) throw invalidRequest('account_id', 'An operator belongs to no account: leave account_id out.');
      membership = { role: 'operator', accountId: null };
    } else {
      if (accountId === null) throw invalidRequest('account_id', 'A member belongs to one account: send its account_id.');
      if (!(await d.accounts.get(accountId))) throw new GatewayError('not_found', `No account "${accountId}".`, { param: 'account_id' });
      membership = { role: 'member', accountId };
    }
    const passwordHash = await hashPassword(body.password);
    const audit = (id: string): AuditEntry => ({
      actor: actingAs(req),
      action: 'user.create',
      target: { kind: 'console_user', id },
      diff: { email: body.email, role: body.role, account_id: accountId },
    });
    const created = await d.users.create({ email: body.email, passwordHash, ...membership }, (id) => d.auditLog.entryWork(audit(id)));
    if (!created) throw new GatewayError('already_exists', `A console user with the email "${body.email}" exists.`, { param: 'email' });
    reply.code(201);
    return userView(created);
  });

  app.patch<{ Params: { id: string } }>('/v1/admin/users/:id', ADMIN, async (req) => {
    const body = parseBody(UpdateUserSchema, req.body);
    const passwordHash = body.password === undefined ? undefined : await hashPassword(body.password);
    const diff: Record<string, unknown> = {};
    if (passwordHash !== undefined) diff.password_changed = true;
    if (body.disabled !== undefined) diff.disabled = body.disabled;
    const audit: AuditEntry = {
      actor: actingAs(req),
      action: body.disabled === true ? 'user.disable' : 'user.update',
      target: { kind: 'console_user', id: req.params.id },
      diff,
    };
    const changed = Object.keys(diff).length > 0;
    const user = await d.users.update(req.params.id, { passwordHash, disabled: body.disabled }, changed ? () => d.auditLog.entryWork(audit) : undefined);
    if (!user) throw new GatewayError('not_found', `No console user "${req.params.id}".`, { param: 'id' });
    return userView(user);
  });
}
