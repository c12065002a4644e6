/**
 * The Files API for images, as OpenAI's API has it: `POST /v1/files`, `GET /v1/files`, `GET /v1/files/{id}`,
 * `GET /v1/files/{id}/content`, `DELETE /v1/files/{id}`. Client keys only, each scoped to its key's account:
 * another account's file answers 404 like one that never existed, never a 403 that would confirm it does.
 * Signed hosted-image links share the prefix as `/v1/files/<id>.<ext>` (hosted-images.ts says how the two
 * are told apart).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FileSettings } from '../../config/config.js';
import { GatewayError, invalidRequest } from '../../domain/errors.js';
import { MIME_OF_EXTENSION } from '../../domain/job.js';
import type { FileOrder, FileStore } from '../../store/files.js';
import { CLIENT } from '../audience.js';
import { renderFile } from '../file-object.js';
import { readFileUpload } from '../file-upload.js';

/** OpenAI's own bounds and default for a page of files. */
const MAX_PAGE = 10_000;

interface ListQuery {
  after?: unknown;
  limit?: unknown;
  order?: unknown;
  purpose?: unknown;
}

export function filesApiRoutes(app: FastifyInstance, d: { files: FileStore; settings: FileSettings }): void {
  const accountOf = (req: FastifyRequest) => req.principal!.accountId;
  const notFound = (id: string) => new GatewayError('not_found', `No such file: ${id.slice(0, 80)}.`, { param: 'file_id' });

  app.post('/v1/files', CLIENT, async (req) => {
    const upload = await readFileUpload(req, d.settings);
    req.loggedShape = { purpose: upload.purpose, bytes: upload.bytes.length, ext: upload.ext, ttl_seconds: upload.ttlSeconds };
    const row = await d.files.upload({ ...upload, accountId: accountOf(req), keyId: req.principal!.key.id });
    return renderFile(row);
  });

  app.get<{ Querystring: ListQuery }>('/v1/files', CLIENT, async (req) => {
    const q = req.query;
    const limit = q.limit === undefined ? MAX_PAGE : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw invalidRequest('limit', `limit must be an integer from 1 to ${MAX_PAGE}.`);
    const order = q.order ?? 'desc';
    if (order !== 'asc' && order !== 'desc') throw invalidRequest('order', 'order must be "asc" or "desc".');
    const after = optionalText(q.after, 'after');
    const purpose = optionalText(q.purpose, 'purpose');
    const { rows, hasMore } = await d.files.list(accountOf(req), { after, limit, order: order as FileOrder, purpose });
    const data = rows.map(renderFile);
    // An empty page has no first or last id: null, as OpenAI's API answers.
    return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: hasMore };
  });

  app.get<{ Params: { id: string } }>('/v1/files/:id', CLIENT, async (req) => {
    const row = await d.files.find(accountOf(req), req.params.id);
    if (!row) throw notFound(req.params.id);
    return renderFile(row);
  });

  app.get<{ Params: { id: string } }>('/v1/files/:id/content', CLIENT, async (req, reply) => {
    const opened = await d.files.open(accountOf(req), req.params.id);
    if (!opened) throw notFound(req.params.id);
    return reply
      .type(MIME_OF_EXTENSION[opened.row.ext] ?? 'application/octet-stream')
      .header('content-length', opened.size)
      .header('cache-control', 'private, no-store')
      .send(opened.stream);
  });

  app.delete<{ Params: { id: string } }>('/v1/files/:id', CLIENT, async (req) => {
    if (!(await d.files.delete(accountOf(req), req.params.id))) throw notFound(req.params.id);
    return { id: req.params.id, object: 'file', deleted: true };
  });
}

/** A query parameter given at most once, as text of a sane length. */
function optionalText(v: unknown, name: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > 128) throw invalidRequest(name, `${name} must be given once, as text of at most 128 characters.`);
  return v;
}
