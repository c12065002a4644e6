/**
 * A member's own API keys (`member` audience): list, create within the account's key policy (the secret shown
 * once), revoke. Only client keys of the member's account: an admin key is never made, listed or revoked here.
 */
import type { FastifyInstance } from 'fastify';
import type { Accounts } from '../../billing/accounts.js';
import { GatewayError } from '../../domain/errors.js';
import { withinKeyPolicy } from '../../domain/key-policy.js';
import type { AuditLog } from '../../store/audit-log.js';
import type { Db } from '../../store/db.js';
import { KEY_STATUSES, type KeyStore } from '../../store/keys.js';
import { memberAccountOf } from '../actor.js';
import { MEMBER } from '../audience.js';
import { createKeyAudited, keyPage, revokeKeyAudited } from '../records/keys.js';
import { KeyAttributesSchema, parseBody } from './admin.js';
import { oneOf, pageLimit } from './admin-page.js';

export function memberKeyRoutes(app: FastifyInstance, d: { db: Db; keys: KeyStore; accounts: Accounts; auditLog: AuditLog }): void {
  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/console/account/keys', MEMBER, async (req) => {
    const q = req.query;
    const filter = { accountId: memberAccountOf(req), admin: false, status: oneOf(q.status, KEY_STATUSES, 'status'), q: q.q };
    return keyPage(d.db.kysely, filter, q.after, pageLimit(q.limit));
  });

  app.post('/v1/console/account/keys', MEMBER, async (req, reply) => {
    const accountId = memberAccountOf(req);
    // The admin key attributes, without account_id and admin: the account is the member's, the key a client's.
    const body = parseBody(KeyAttributesSchema, req.body);
    const account = await d.accounts.get(accountId);
    if (!account) throw new GatewayError('not_found', `No account "${accountId}".`);
    const created = await createKeyAudited(d, req, accountId, { ...withinKeyPolicy(account.keyPolicy, body), admin: false });
    reply.code(201);
    return created;
  });

  app.post<{ Params: { id: string } }>('/v1/console/account/keys/:id/revoke', MEMBER, async (req) =>
    revokeKeyAudited(d, req, req.params.id, { accountId: memberAccountOf(req) }),
  );
}
