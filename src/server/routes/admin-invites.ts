/**
 * Invites (admin API): `POST /v1/admin/invites` makes one and shows its token and link once;
 * `GET /v1/admin/invites` lists them newest first with their state; `POST /v1/admin/invites/:id/revoke`.
 * Making and revoking are audited in the same transaction as the change.
 */
import type { FastifyInstance } from 'fastify';
import type { Accounts } from '../../billing/accounts.js';
import { GatewayError } from '../../domain/errors.js';
import type { AuditLog } from '../../store/audit-log.js';
import type { Db } from '../../store/db.js';
import { INVITE_STATES, type InviteRow, type InviteStore, inviteState, whereInviteState } from '../../store/invites.js';
import { actingAs } from '../actor.js';
import { ADMIN } from '../audience.js';
import { CreateInviteSchema, type CreatedInviteView, type InviteView } from '../console-api.js';
import { parseBody } from './admin.js';
import { newestFirst, oneOf, page, pageLimit } from './admin-page.js';

const seconds = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));

export function inviteView(r: InviteRow, now = Date.now()): InviteView {
  return {
    id: r.id,
    object: 'console.invite',
    account_id: r.account_id,
    email: r.email,
    state: inviteState(r, now),
    expires_at: Math.floor(r.expires_at / 1000),
    created: Math.floor(r.created_at / 1000),
    created_by: r.created_by,
    used_at: seconds(r.used_at),
    used_by: r.used_by,
    revoked_at: seconds(r.revoked_at),
  };
}

export function adminInviteRoutes(
  app: FastifyInstance,
  d: { db: Db; invites: InviteStore; accounts: Accounts; auditLog: AuditLog; publicUrl: () => string },
): void {
  app.post('/v1/admin/invites', ADMIN, async (req, reply): Promise<CreatedInviteView> => {
    const body = parseBody(CreateInviteSchema, req.body);
    const accountId = body.account_id ?? null;
    if (accountId !== null && !(await d.accounts.get(accountId))) {
      throw new GatewayError('not_found', `No account "${accountId}".`, { param: 'account_id' });
    }
    const actor = actingAs(req);
    const now = Date.now();
    const { row, token } = await d.invites.create(
      { accountId, email: body.email ?? null, expiresAt: now + body.expires_in_hours * 3_600_000, createdBy: actor.id },
      (id) =>
        d.auditLog.entryWork({
          actor,
          action: 'invite.create',
          target: { kind: 'invite', id },
          diff: { account_id: accountId, email: body.email ?? null, expires_in_hours: body.expires_in_hours },
        }),
      now,
    );
    reply.code(201);
    // The token is shown here once: only its hash is stored.
    return { ...inviteView(row, now), token, url: `${d.publicUrl()}/console/sign-up?invite=${encodeURIComponent(token)}` };
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/admin/invites', ADMIN, async (req) => {
    const q = req.query;
    const limit = pageLimit(q.limit);
    const state = oneOf(q.state, INVITE_STATES, 'state');
    const now = Date.now();
    let sel = d.db.kysely.selectFrom('invites').selectAll();
    if (q.account_id) sel = sel.where('account_id', '=', q.account_id);
    if (state) sel = sel.where(whereInviteState(state, now));
    return page(await newestFirst(d.db.kysely, 'invites', sel, q.after, limit), limit, (r) => inviteView(r, now));
  });

  app.post<{ Params: { id: string } }>('/v1/admin/invites/:id/revoke', ADMIN, async (req) => {
    const id = req.params.id;
    const audit = { actor: actingAs(req), action: 'invite.revoke' as const, target: { kind: 'invite' as const, id } };
    return inviteView(await d.invites.revoke(id, () => d.auditLog.entryWork(audit)));
  });
}
