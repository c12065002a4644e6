/**
 * Hosted images at signed, expiring URLs: `GET /v1/files/<id>.<ext>?exp=…&sig=…`. No API key: the signature
 * is the credential.
 *
 * The Files API (files-api.ts) shares the `/v1/files/` prefix: `/v1/files/{file_id}` wants a client key. The
 * two are told apart by the router, not by the URL text: a hosted image's name always has an extension and a
 * file id never has a dot, so this route is `/v1/files/:name.:ext` and the Files API's is `/v1/files/:id`,
 * each declaring its own audience. Hosted links keep their path, so every link already handed out resolves
 * for its whole lifetime, and new ones look the same.
 */
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../../domain/errors.js';
import { MIME_OF_EXTENSION } from '../../domain/job.js';
import type { BlobStore } from '../../store/blobs.js';
import type { UrlSigner } from '../../store/signed-url.js';
import { PUBLIC } from '../audience.js';

export function hostedImageRoutes(app: FastifyInstance, blobs: BlobStore, signer: UrlSigner): void {
  app.get<{ Params: { name: string; ext: string }; Querystring: { exp?: string; sig?: string } }>(
    '/v1/files/:name.:ext',
    { config: { ...PUBLIC.config, requestLog: false as const } },
    async (req, reply) => {
      const v = signer.verify(`${req.params.name}.${req.params.ext}`, req.query.exp, req.query.sig);
      if (!v.ok) throw new GatewayError(v.status === 403 ? 'permission_denied' : 'not_found', v.reason);
      const nowSeconds = Math.floor(Date.now() / 1000);
      const maxAge = Math.max(0, v.blob.expiresAt - nowSeconds);
      // A store that hands out direct links (S3 presigned URLs) serves the bytes itself. The redirect is
      // cached no longer than its target works: a link signed with temporary keys dies with them.
      const direct = await blobs.directLink?.(v.blob);
      if (direct) {
        const linkAge = Math.max(0, Math.min(maxAge, direct.expiresAt - nowSeconds));
        return reply.header('cache-control', `private, max-age=${linkAge}`).redirect(direct.url.href, 302);
      }
      const opened = await blobs.open(v.blob);
      if (!opened) throw new GatewayError('not_found', 'This image no longer exists.');
      return reply
        .type(MIME_OF_EXTENSION[v.blob.ext] ?? 'application/octet-stream')
        .header('content-length', opened.size)
        .header('cache-control', `private, max-age=${maxAge}`)
        .send(opened.stream);
    },
  );
}
