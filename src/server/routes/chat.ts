import type { FastifyInstance } from 'fastify';
import type { Catalog } from '../../catalog/catalog.js';
import { chatChunks, parseChat, renderChat } from '../../dialects/chat-completions.js';
import { invalidRequest } from '../../core/errors.js';
import { type ImageRequestDeps, runImageRequest } from '../image-request.js';

export function chatRoutes(app: FastifyInstance, deps: ImageRequestDeps, catalog: Catalog): void {
  app.post('/v1/chat/completions', async (req, reply) => {
    const draft = parseChat(req.body);
    const model = draft.model ? catalog.resolve(draft.model) : undefined;
    if (model && !model.spec.chat_completions) {
      const served = catalog.list().filter((m) => m.spec.chat_completions).map((m) => m.id);
      throw invalidRequest(
        'model',
        `Model "${model.id}" is not served on /v1/chat/completions: this gateway serves image models here${served.length ? ` (${served.join(', ')})` : ''}; use /v1/images/generations for "${model.id}".`,
      );
    }
    if (!draft.stream) return runImageRequest(deps, req, reply, draft, renderChat);
    // Streaming: the upstream answers in one piece, so the chunks go out together once it has; until then
    // nothing is written, which keeps real HTTP statuses for errors (402, 429, 400…).
    const completion = await runImageRequest(deps, req, reply, draft, renderChat);
    reply.type('text/event-stream').header('cache-control', 'no-cache');
    return chatChunks(completion as ReturnType<typeof renderChat>).join('');
  });
}
