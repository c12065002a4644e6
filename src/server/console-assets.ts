/**
 * The console: the browser app built by `npm run build` into dist/console/, served at /console/ by the
 * gateway itself. Hashed assets are cached for a year; every other /console/ path is the app's index.html
 * (the app routes in the browser), never cached, so a new build is picked up on the next load.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../domain/errors.js';
import type { KeyStore } from '../store/keys.js';
import { PUBLIC } from './audience.js';
import { authenticate } from './auth.js';

/** Next to the compiled server: dist/server/ → dist/console/. Run from source, there is none. */
export const BUILT_CONSOLE_DIR = fileURLToPath(new URL('../console/', import.meta.url));

/**
 * The app loads only its own scripts, styles and images and talks only to this origin; nothing may frame
 * it (clickjacking the credit and revoke buttons).
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

const IMMUTABLE = 'public, max-age=31536000, immutable';

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'same-origin');
}

/** Console routes are pages and files, not API traffic: they get no request-log row. */
const CONSOLE_ROUTE = { config: { ...PUBLIC.config, requestLog: false as const } };

const wantsHtml = (req: FastifyRequest) => /\btext\/html\b/.test(String(req.headers.accept ?? ''));

export async function consoleAssets(app: FastifyInstance, d: { keys: KeyStore; dir?: string }): Promise<void> {
  const dir = d.dir ?? BUILT_CONSOLE_DIR;
  const assets = join(dir, 'assets');
  // `serve: false`: the routes below are the gateway's own, each with its declared audience.
  await app.register(fastifyStatic, { root: dir, serve: false });

  const index = (reply: FastifyReply) => {
    securityHeaders(reply);
    if (!existsSync(join(dir, 'index.html'))) {
      throw new GatewayError('service_unavailable', 'The console is not built: run `npm run build`.');
    }
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html', dir, { cacheControl: false });
  };

  app.get<{ Params: { '*': string } }>('/console/assets/*', CONSOLE_ROUTE, async (req, reply) => {
    const file = req.params['*'];
    // The assets folder holds files only, named by their content hash; anything else is not an asset.
    if (!/^[\w.-]+$/.test(file) || !isFile(join(assets, file))) {
      // Not the app shell: a script tag that gets HTML fails obscurely, a 404 says what happened.
      throw new GatewayError('not_found', `No console asset "${file}": reload the page to load the current build.`, { param: 'path' });
    }
    return securityHeaders(reply).header('cache-control', IMMUTABLE).sendFile(file, assets, { cacheControl: false });
  });
  app.get('/console', CONSOLE_ROUTE, async (_req, reply) => reply.redirect('/console/', 301));
  app.get('/console/', CONSOLE_ROUTE, async (_req, reply) => index(reply));
  app.get<{ Params: { '*': string } }>('/console/*', CONSOLE_ROUTE, async (req, reply) => {
    const file = req.params['*'];
    // Top-level files of the build (favicon); every other path is a page of the app.
    if (/^[\w-]+\.[\w]+$/.test(file) && file !== 'index.html' && isFile(join(dir, file))) {
      return securityHeaders(reply).header('cache-control', 'no-cache').sendFile(file, dir, { cacheControl: false });
    }
    return index(reply);
  });

  // A browser opening the gateway lands in the console; an API client keeps the answer it always had
  // (401 without a key, 404 with one).
  app.get('/', PUBLIC, async (req, reply) => {
    if (wantsHtml(req)) return reply.redirect('/console/', 302);
    await authenticate(req, d.keys);
    return reply.callNotFound();
  });
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
