/** Usage reports over HTTP: which groupings a caller may ask for, and the report scoped as the caller may see it. */
import type { Kysely } from 'kysely';
import { type UsageFilter, type UsageGroup, type UsageRow, usage } from '../../billing/usage.js';
import { invalidRequest } from '../../domain/errors.js';
import type { Database } from '../../store/schema.js';

/** `group_by` (comma-separated, `day` when absent), each one of `allowed`. */
export function usageGroups(v: string | undefined, allowed: readonly UsageGroup[]): UsageGroup[] {
  const groups = (v ?? 'day').split(',').filter(Boolean);
  for (const g of groups) if (!allowed.includes(g as UsageGroup)) throw invalidRequest('group_by', `group_by takes ${allowed.join(', ')} (comma-separated).`);
  return groups as UsageGroup[];
}

/** Usage reads the request log, which is written in batches: this instance's queued rows are flushed first. */
export async function usageReport(
  d: { db: Kysely<Database>; requestLog: { flush(): Promise<void> } },
  filter: UsageFilter,
  groups: UsageGroup[],
): Promise<UsageRow[]> {
  await d.requestLog.flush();
  return usage(d.db, filter, groups);
}
