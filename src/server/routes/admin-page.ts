/**
 * The admin lists' paging: newest first with a cursor (`after` = the last id of the previous page), `limit`
 * rows per page, answered as `{object:'list', data, has_more, last_id}`. Each paged table has an index
 * ending in (created_at, id), so a page is a range seek that reads `limit` rows.
 */
import { type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import { invalidRequest } from '../../domain/errors.js';
import type { Database } from '../../store/schema.js';

/** `limit`: 1 to 200, 50 when absent. */
export function pageLimit(v: string | undefined): number {
  if (v === undefined || v === '') return 50;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 200) throw invalidRequest('limit', 'limit must be an integer from 1 to 200.');
  return n;
}

export function oneOf<T extends string>(v: string | undefined, allowed: readonly T[], name: string): T | undefined {
  if (v === undefined || v === '') return undefined;
  if (!allowed.includes(v as T)) throw invalidRequest(name, `${name} must be one of ${allowed.join(', ')}.`);
  return v as T;
}

/** A page of `rows` (fetched with one extra) as a list with the cursor of the next page. */
export function page<R extends { id: string }, V>(rows: R[], limit: number, view: (r: R) => V) {
  const shown = rows.slice(0, limit);
  return { object: 'list' as const, data: shown.map(view), has_more: rows.length > limit, last_id: shown.at(-1)?.id ?? null };
}

/** The tables listed newest first by (created_at, id). */
export type Paged = 'request_log' | 'tasks' | 'accounts' | 'api_keys' | 'topup_codes' | 'invites';

/**
 * The cursor row's (created_at, id). An unknown cursor is a 400: an empty page would read as "no more rows".
 * With `accountId` (a member's list) a row of another account is unknown too.
 */
async function cursorRow(db: Kysely<Database>, table: Paged, after: string, accountId: string | undefined) {
  let q = db.selectFrom(table).select(['created_at', 'id']).where('id', '=', after);
  if (accountId !== undefined) q = q.where(sql.ref('account_id'), '=', accountId);
  const cursor = await q.executeTakeFirst();
  if (!cursor) throw invalidRequest('after', `after must be the id of a row of the previous page; there is no "${after}".`);
  return cursor;
}

/** One page of a filtered select, newest first, after the cursor row; `limit + 1` rows, for has_more. */
export async function newestFirst<T extends Paged, R>(
  db: Kysely<Database>,
  table: T,
  sel: SelectQueryBuilder<Database, T, R>,
  after: string | undefined,
  limit: number,
  accountId?: string,
): Promise<R[]> {
  let q = sel as SelectQueryBuilder<Database, Paged, R>;
  if (after) {
    const c = await cursorRow(db, table, after, accountId);
    q = q.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(c.created_at, c.id)));
  }
  return q
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute();
}

/**
 * A case-insensitive substring pattern for `lower(column) like ? escape '\'`: the text's own `%`, `_` and
 * `\` match themselves.
 */
export function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
