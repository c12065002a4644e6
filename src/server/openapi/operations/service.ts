/**
 * What is not the JSON API proper: probes, metrics, hosted images, the console app's pages, and this
 * document and its reference page.
 */
import { z } from 'zod';
import type { ApiOperation } from '../operation.js';
import { Binary } from '../schemas/files.js';

const Readiness = z
  .object({
    status: z.enum(['ready', 'unavailable', 'draining']),
    checks: z.record(z.string(), z.string()).describe('Each dependency: `ok`, or why it failed.'),
    draining: z.boolean(),
    error: z.object({ message: z.string(), type: z.string(), param: z.string().nullable(), code: z.string() }).loose().optional(),
  })
  .describe('Whether this process should get traffic.');

const Html = z.string().describe('An HTML page.');
const image = { 'image/png': Binary, 'image/jpeg': Binary, 'image/webp': Binary, 'image/gif': Binary };
const Wildcard = z.object({ '*': z.string() });

export const serviceOperations: ApiOperation[] = [
  {
    route: 'GET /healthz',
    id: 'health',
    tag: 'Service',
    summary: 'Liveness: the process answers',
    answers: { 200: { description: 'Alive.', json: z.object({ status: z.literal('ok') }) } },
    errors: [],
  },
  {
    route: 'GET /readyz',
    id: 'readiness',
    tag: 'Service',
    summary: 'Readiness: the database, Redis and blob store answer and the process is not draining',
    answers: { 200: { description: 'Ready.', json: Readiness } },
    // A 503 here is the readiness report itself, with an error beside the checks.
    errors: ['service_unavailable', 'database_unavailable'],
  },
  {
    route: 'GET /metrics',
    id: 'metrics',
    tag: 'Service',
    summary: 'Prometheus metrics',
    answers: { 200: { description: 'The Prometheus text format.', other: { 'text/plain': z.string() } } },
    errors: [],
  },
  {
    route: 'GET /v1/files/:name.:ext',
    id: 'getHostedImage',
    tag: 'Images',
    summary: 'A hosted image at its signed, expiring URL',
    description: 'No key: the signature is the credential. An S3 store may redirect to a presigned URL.',
    params: z.object({ name: z.string(), ext: z.string() }),
    query: z.object({ exp: z.string().describe('unix seconds'), sig: z.string() }),
    answers: {
      200: { description: 'The image.', other: image },
      302: { description: "A redirect to the blob store's own presigned URL.", headers: { location: 'The presigned URL.' } },
    },
    errors: ['permission_denied', 'not_found'],
  },
  {
    route: 'GET /openapi.json',
    id: 'getOpenApiDocument',
    tag: 'Service',
    summary: 'This document',
    answers: { 200: { description: 'The OpenAPI 3.1 document of this gateway.', json: z.record(z.string(), z.unknown()) } },
    errors: [],
  },
  {
    route: 'GET /docs',
    id: 'getApiReference',
    tag: 'Service',
    summary: 'This document as a readable page',
    answers: { 200: { description: 'The API reference.', other: { 'text/html': Html } } },
    errors: [],
  },
  {
    route: 'GET /',
    id: 'root',
    tag: 'Console app',
    summary: 'A browser is sent to the console; an API client gets 401 without a key and 404 with one',
    answers: { 302: { description: 'To /console/ (when the client accepts text/html).', headers: { location: '/console/' } } },
    errors: ['not_found'],
  },
  {
    route: 'GET /console',
    id: 'consoleRedirect',
    tag: 'Console app',
    summary: 'Redirects to /console/',
    answers: { 301: { description: 'To /console/.', headers: { location: '/console/' } } },
    errors: [],
  },
  {
    route: 'GET /console/',
    id: 'consoleApp',
    tag: 'Console app',
    summary: 'The console app',
    answers: { 200: { description: 'The app shell.', other: { 'text/html': Html } } },
    errors: ['service_unavailable'],
  },
  {
    route: 'GET /console/*',
    id: 'consolePage',
    tag: 'Console app',
    summary: 'A page of the console app (the app shell) or one of its top-level files',
    params: Wildcard,
    answers: { 200: { description: 'The app shell or the file.', other: { 'text/html': Html, 'application/octet-stream': Binary } } },
    errors: ['service_unavailable'],
  },
  {
    route: 'GET /console/assets/*',
    id: 'consoleAsset',
    tag: 'Console app',
    summary: "The console's hashed scripts, styles and images",
    params: Wildcard,
    answers: {
      200: { description: 'The asset.', other: { 'application/javascript': z.string(), 'text/css': z.string(), 'application/octet-stream': Binary } },
    },
    errors: ['not_found'],
  },
];
