import type { FastifyInstance } from 'fastify';
import { parseEdits, parseVariations } from '../../dialects/openai-edits.js';
import { isDashScopeNative, parseDashScopeNative, renderDashScope } from '../../dialects/dashscope-native.js';
import { parseGenerations, renderImagesResponse } from '../../dialects/openai-images.js';
import { type ImageRequestDeps, runImageRequest } from '../image-request.js';

export function imageRoutes(app: FastifyInstance, deps: ImageRequestDeps): void {
  app.post('/v1/images/generations', async (req, reply) => {
    // Two wire shapes share this path: DashScope's own (input.messages + parameters) and the OpenAI one.
    if (isDashScopeNative(req.body)) return runImageRequest(deps, req, reply, parseDashScopeNative(req.body), renderDashScope);
    return runImageRequest(deps, req, reply, parseGenerations(req.body), renderImagesResponse);
  });
  app.post('/v1/images/edits', async (req, reply) => runImageRequest(deps, req, reply, await parseEdits(req), renderImagesResponse));
  app.post('/v1/images/variations', async (req, reply) => runImageRequest(deps, req, reply, await parseVariations(req), renderImagesResponse));
}
