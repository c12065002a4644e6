/** GET /v1/admin/overview: the operator's figures over the last 24 h, 7 d or 30 d (billing/overview.ts). */
import type { FastifyInstance } from 'fastify';
import { OVERVIEW_RANGES, type OverviewRange, overview } from '../../billing/overview.js';
import { invalidRequest } from '../../domain/errors.js';
import type { Db } from '../../store/db.js';
import type { RequestLog } from '../../store/request-log.js';
import { ADMIN } from '../audience.js';

function rangeParam(v: string | undefined): OverviewRange {
  if (v === undefined || v === '') return '24h';
  if (Object.hasOwn(OVERVIEW_RANGES, v)) return v as OverviewRange;
  throw invalidRequest('range', `range takes ${Object.keys(OVERVIEW_RANGES).join(', ')}.`);
}

export function adminOverviewRoutes(app: FastifyInstance, d: { db: Db; requestLog: RequestLog; currency: string }): void {
  app.get<{ Querystring: { range?: string } }>('/v1/admin/overview', ADMIN, async (req) => {
    const range = rangeParam(req.query.range);
    // The request log is written in batches: this instance's queued rows count too.
    await d.requestLog.flush();
    const o = await overview(d.db.kysely, range);
    return { object: 'admin.overview', currency: d.currency, unit: 'micro', ...o };
  });
}
