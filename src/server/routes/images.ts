import type { FastifyInstance } from 'fastify';
import type { DraftRequest } from '../../domain/draft.js';
import { parseEdits, parseVariations } from '../../dialects/openai-edits.js';
import { isDashScopeNative, parseDashScopeNative, renderDashScope } from '../../dialects/dashscope-native.js';
import { imagesReplyHead, parseGenerations, renderImagesResponse } from '../../dialects/openai-images.js';
import { type ImageRequestDeps, runImageRequest } from '../image-request.js';
import { PassThroughRender } from '../pass-through-reply.js';
import { CLIENT } from '../audience.js';
import { withDefaultModel } from '../default-model.js';

/** The OpenAI images reply, its first b64_json image passed through as it arrives when it can be. */
const renderImages = new PassThroughRender(renderImagesResponse, imagesReplyHead);

export function imageRoutes(app: FastifyInstance, deps: ImageRequestDeps): void {
  const withDefault = <T extends DraftRequest>(draft: T) => withDefaultModel(draft, deps.pipeline.catalog);
  app.post('/v1/images/generations', CLIENT, async (req, reply) => {
    // Two wire shapes share this path: DashScope's own (input.messages + parameters) and the OpenAI one.
    if (isDashScopeNative(req.body)) return runImageRequest(deps, req, reply, withDefault(parseDashScopeNative(req.body)), renderDashScope);
    return runImageRequest(deps, req, reply, withDefault(parseGenerations(req.body)), renderImages);
  });
  app.post('/v1/images/edits', CLIENT, async (req, reply) => runImageRequest(deps, req, reply, withDefault(await parseEdits(req)), renderImages));
  app.post('/v1/images/variations', CLIENT, async (req, reply) => runImageRequest(deps, req, reply, withDefault(await parseVariations(req)), renderImages));
}
