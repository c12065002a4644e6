/**
 * `GET /openapi.json` and `GET /docs`, both public. The document is built once, on the first request, from the
 * routes registered by then (all of them: the server is ready before it listens).
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PUBLIC } from '../audience.js';
import { buildOpenApiDocument, type OpenApiDocument } from './document.js';
import { API_OPERATIONS, SHARED_SCHEMAS } from './operations/index.js';
import { REFERENCE_PAGE_CSP, renderReferencePage } from './reference-page.js';

/**
 * The gateway's version, as package.json states it (three folders up, from src/ and from dist/ alike), so
 * the document never names another.
 */
export const API_VERSION = z.object({ version: z.string() }).parse(JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'))).version;

export function openApiRoutes(app: FastifyInstance, d: { publicUrl: () => string }): void {
  let doc: OpenApiDocument | undefined;
  // Both answers are made once: the document is some 300 KB, too much to serialize per request.
  let json: string | undefined;
  let page: string | undefined;
  const document = () => {
    doc ??= buildOpenApiDocument({
      routes: app.declaredRoutes,
      operations: API_OPERATIONS,
      shared: SHARED_SCHEMAS,
      version: API_VERSION,
      serverUrl: d.publicUrl(),
    });
    return doc;
  };
  // Reference material, not API traffic: no request-log rows.
  const options = { config: { ...PUBLIC.config, requestLog: false as const } };
  app.get('/openapi.json', options, async (_req, reply) => {
    json ??= JSON.stringify(document());
    return reply.header('cache-control', 'no-cache').type('application/json; charset=utf-8').send(json);
  });
  app.get('/docs', options, async (_req, reply) => {
    page ??= renderReferencePage(document());
    return reply.header('content-security-policy', REFERENCE_PAGE_CSP).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(page);
  });
}
