/**
 * The request log as the admin API and an account's member read it: a page newest first with filters, and
 * one request's detail. Every filter has an index ending in the list's order (migrations 009 and 010).
 */
import type { Kysely, Selectable } from 'kysely';
import { GatewayError } from '../../domain/errors.js';
import type { Database, RequestLogTable, RequestTraffic } from '../../store/schema.js';
import { newestFirst, page } from '../routes/admin-page.js';

export interface RequestFilter {
  /** Whose calls: clients' (the image API) or the admin API's and console's. */
  traffic?: RequestTraffic;
  id?: string;
  status?: number;
  errorCode?: string;
  model?: string;
  keyId?: string;
  accountId?: string;
  /** ms, inclusive. */
  from?: number;
  /** ms, exclusive. */
  to?: number;
}

export function requestView(r: Selectable<RequestLogTable>) {
  return {
    id: r.id,
    object: 'request' as const,
    created_at: new Date(r.created_at).toISOString(),
    traffic: r.traffic,
    account_id: r.account_id,
    key_id: r.key_id,
    endpoint: r.endpoint,
    operation: r.operation,
    model: r.model,
    status: r.status,
    error_code: r.error_code,
    error_message: r.error_message,
    route: r.route,
    upstream_request_id: r.upstream_request_id,
    latency_ms: r.latency_ms,
    images: r.images,
    amount: r.amount,
    billing_transaction_id: r.billing_transaction_id,
    // Tokens the upstream reported, by class; null where it reported none.
    input_text_tokens: r.input_text_tokens,
    input_image_tokens: r.input_image_tokens,
    output_image_tokens: r.output_image_tokens,
    output_text_tokens: r.output_text_tokens,
  };
}

export type RequestView = ReturnType<typeof requestView>;

/** One page of the log, newest first. Rows are written in batches: flush this instance's queue first. */
export async function requestPage(db: Kysely<Database>, f: RequestFilter, after: string | undefined, limit: number) {
  let sel = db.selectFrom('request_log').selectAll();
  if (f.traffic) sel = sel.where('traffic', '=', f.traffic);
  if (f.id) sel = sel.where('id', '=', f.id);
  if (f.status !== undefined) sel = sel.where('status', '=', f.status);
  if (f.errorCode) sel = sel.where('error_code', '=', f.errorCode);
  if (f.model) sel = sel.where('model', '=', f.model);
  if (f.keyId) sel = sel.where('key_id', '=', f.keyId);
  if (f.accountId) sel = sel.where('account_id', '=', f.accountId);
  if (f.from !== undefined) sel = sel.where('created_at', '>=', f.from);
  if (f.to !== undefined) sel = sel.where('created_at', '<', f.to);
  return page(await newestFirst(db, 'request_log', sel, after, limit, f.accountId), limit, requestView);
}

/** One request with its stored shape; `accountId` limits it to that account's (another's is not found). */
export async function requestDetail(db: Kysely<Database>, id: string, accountId?: string) {
  let q = db.selectFrom('request_log').selectAll().where('id', '=', id);
  if (accountId) q = q.where('account_id', '=', accountId);
  const r = await q.executeTakeFirst();
  if (!r) throw new GatewayError('not_found', `No request "${id}" in the request log.`, { param: 'id' });
  // The shape was stripped of keys and image data when it was stored (server/image-request.ts).
  return { ...requestView(r), request_shape: r.request_shape ? (JSON.parse(r.request_shape) as unknown) : null };
}
