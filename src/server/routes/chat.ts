import type { FastifyInstance } from 'fastify';
import type { Catalog } from '../../catalog/catalog.js';
import { parseChat, renderChat } from '../../dialects/chat-completions.js';
import { invalidRequest } from '../../domain/errors.js';
import { runChatStream } from '../chat-stream.js';
import { type ImageRequestDeps, runImageRequest } from '../image-request.js';
import { CLIENT } from '../audience.js';
import { withDefaultModel } from '../default-model.js';

export function chatRoutes(app: FastifyInstance, deps: ImageRequestDeps, catalog: Catalog): void {
  app.post('/v1/chat/completions', CLIENT, async (req, reply) => {
    const draft = withDefaultModel(parseChat(req.body), catalog);
    const model = draft.model ? catalog.resolve(draft.model) : undefined;
    if (model && !model.spec.chat_completions) {
      const served = catalog
        .list()
        .filter((m) => m.spec.chat_completions)
        .map((m) => m.id);
      throw invalidRequest(
        'model',
        `Model "${model.id}" is not served on /v1/chat/completions: this gateway serves image models here${served.length ? ` (${served.join(', ')})` : ''}; use /v1/images/generations for "${model.id}".`,
      );
    }
    // Streaming answers chunk by chunk as the upstream works (chat-stream.ts); errors before the first byte
    // keep their HTTP status either way.
    if (draft.stream) return runChatStream(deps, req, reply, draft);
    return runImageRequest(deps, req, reply, draft, renderChat);
  });
}
