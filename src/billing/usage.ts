/**
 * Usage reports, derived from the request log (requests, images, the tokens upstreams reported) and the holds
 * (money actually charged), so there is no second counter to drift. Days are UTC, computed with integer
 * arithmetic that SQLite and PostgreSQL agree on.
 */
import { type Kysely, type RawBuilder, type SelectQueryBuilder, sql } from 'kysely';
import type { Database } from '../store/schema.js';

export interface UsageFilter {
  accountId?: string;
  keyId?: string;
  model?: string;
  /** ms since epoch, inclusive. */
  from?: number;
  /** ms since epoch, exclusive. */
  to?: number;
}

export type UsageGroup = 'day' | 'model' | 'key' | 'account';

export interface UsageRow {
  day?: string;
  model?: string | null;
  key_id?: string | null;
  account_id?: string | null;
  requests: number;
  succeeded: number;
  images: number;
  spend: number;
  /** Tokens the upstreams reported, by class (0 where none were reported). */
  input_text_tokens: number;
  input_image_tokens: number;
  output_image_tokens: number;
  output_text_tokens: number;
}

/** Token columns of the request log, summed per group under the same names. */
const TOKEN_COLUMNS = ['input_text_tokens', 'input_image_tokens', 'output_image_tokens', 'output_text_tokens'] as const;

/** The figures of a usage row, in the order exports list them. */
export const USAGE_FIGURES = ['requests', 'succeeded', 'images', 'spend', ...TOKEN_COLUMNS] as const satisfies ReadonlyArray<keyof UsageRow>;

/** The field of a usage row that each grouping fills. */
export const USAGE_GROUP_FIELD = { day: 'day', model: 'model', key: 'key_id', account: 'account_id' } as const satisfies Record<UsageGroup, keyof UsageRow>;

const DAY_MS = 86_400_000;

export async function usage(db: Kysely<Database>, filter: UsageFilter, groupBy: UsageGroup[]): Promise<UsageRow[]> {
  let q = db.selectFrom('request_log');
  if (filter.accountId) q = q.where('account_id', '=', filter.accountId);
  if (filter.keyId) q = q.where('key_id', '=', filter.keyId);
  if (filter.model) q = q.where('model', '=', filter.model);
  if (filter.from !== undefined) q = q.where('created_at', '>=', filter.from);
  if (filter.to !== undefined) q = q.where('created_at', '<', filter.to);
  q = q.where('endpoint', 'in', IMAGE_ENDPOINTS);
  const dayExpr = sql<number>`(created_at / ${sql.lit(DAY_MS)})`;
  const cols: Record<UsageGroup, RawBuilder<unknown>> = {
    day: dayExpr,
    model: sql<string | null>`model`,
    key: sql<string | null>`key_id`,
    account: sql<string | null>`account_id`,
  };
  // The grouped columns vary at run time, so the builder is widened to a plain record row type.
  let sel = q.select((eb) => [
    eb.fn.countAll<number>().as('requests'),
    eb.fn.sum<number>(sql`case when status < 400 then 1 else 0 end`).as('succeeded'),
    eb.fn.coalesce(eb.fn.sum<number>('images'), eb.lit(0)).as('images'),
    eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.lit(0)).as('spend'),
    ...TOKEN_COLUMNS.map((c) => eb.fn.coalesce(eb.fn.sum<number>(c), eb.lit(0)).as(c)),
  ]) as unknown as SelectQueryBuilder<Database, 'request_log', Record<string, unknown>>;
  for (const g of groupBy) sel = sel.select(cols[g].as(`g_${g}`)).groupBy(cols[g]);
  for (const g of groupBy) sel = sel.orderBy(cols[g]);
  const rows = (await sel.execute()) as Array<Record<string, unknown>>;
  return rows.map((r) => {
    const out: UsageRow = {
      requests: Number(r.requests),
      succeeded: Number(r.succeeded ?? 0),
      images: Number(r.images),
      spend: Number(r.spend),
      input_text_tokens: Number(r.input_text_tokens),
      input_image_tokens: Number(r.input_image_tokens),
      output_image_tokens: Number(r.output_image_tokens),
      output_text_tokens: Number(r.output_text_tokens),
    };
    if (groupBy.includes('day')) out.day = new Date(Number(r.g_day) * DAY_MS).toISOString().slice(0, 10);
    if (groupBy.includes('model')) out.model = r.g_model as string | null;
    if (groupBy.includes('key')) out.key_id = r.g_key as string | null;
    if (groupBy.includes('account')) out.account_id = r.g_account as string | null;
    return out;
  });
}

export const IMAGE_ENDPOINTS = ['/v1/images/generations', '/v1/images/edits', '/v1/images/variations', '/v1/chat/completions'];
