import type { FastifyInstance } from 'fastify';
import { parseGenerations, renderImagesResponse } from '../../dialects/openai-images.js';
import { type ImageRequestDeps, runImageRequest } from '../image-request.js';

export function imageRoutes(app: FastifyInstance, deps: ImageRequestDeps): void {
  app.post('/v1/images/generations', async (req, reply) => {
    const draft = parseGenerations(req.body);
    return runImageRequest(deps, req, reply, draft, renderImagesResponse);
  });
}
