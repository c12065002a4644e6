import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseEdits, parseVariations } from '../../dialects/openai-edits.js';
import { isDashScopeNative, parseDashScopeNative, renderDashScope } from '../../dialects/dashscope-native.js';
import { imagesReplyHead, parseGenerations, renderImagesResponse } from '../../dialects/openai-images.js';
import { type ImageRequestDeps, runImageRequest } from '../image-request.js';
import { PassThroughRender } from '../pass-through-reply.js';
import { CLIENT } from '../audience.js';
import { withDefaultModel } from '../default-model.js';
import { isStreamed, runImageStream } from '../image-stream.js';
import type { DraftRequest } from '../../domain/draft.js';

/** The OpenAI images reply, its first b64_json image passed through as it arrives when it can be. */
const renderImages = new PassThroughRender(renderImagesResponse, imagesReplyHead);

/** An OpenAI images request: answered as server-sent events when it asks for a stream, else as one JSON reply. */
function runOpenAIImages(deps: ImageRequestDeps, req: FastifyRequest, reply: FastifyReply, draft: DraftRequest): Promise<unknown> {
  return isStreamed(draft) ? runImageStream(deps, req, reply, draft) : runImageRequest(deps, req, reply, draft, renderImages);
}

export function imageRoutes(app: FastifyInstance, deps: ImageRequestDeps): void {
  const withDefault = <T extends DraftRequest>(draft: T) => withDefaultModel(draft, deps.pipeline.catalog);
  app.post('/v1/images/generations', CLIENT, async (req, reply) => {
    // Two wire shapes share this path: DashScope's own (input.messages + parameters) and the OpenAI one.
    if (isDashScopeNative(req.body)) return runImageRequest(deps, req, reply, withDefault(parseDashScopeNative(req.body)), renderDashScope);
    return runOpenAIImages(deps, req, reply, withDefault(parseGenerations(req.body)));
  });
  app.post('/v1/images/edits', CLIENT, async (req, reply) => runOpenAIImages(deps, req, reply, withDefault(await parseEdits(req))));
  app.post('/v1/images/variations', CLIENT, async (req, reply) => runImageRequest(deps, req, reply, withDefault(await parseVariations(req)), renderImages));
}
