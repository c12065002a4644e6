/**
 * The Vertex AI adapter: Imagen models through `:predict` (the Imagen mapping shared with the Gemini API) and
 * Gemini image models through generateContent (the Gemini adapter's code), on the Vertex host, authorised by
 * the service account that GOOGLE_APPLICATION_CREDENTIALS names (the route's key: the file's path).
 */
import type { ProviderAdapter } from '../../domain/adapter.js';
import { GatewayError } from '../../domain/errors.js';
import { CredentialsRejected } from '../gemini/errors.js';
import { generateContentImages } from '../gemini/generate.js';
import { resolveImageConfig } from '../gemini/image-config.js';
import { predict } from '../imagen/call.js';
import { isImagenModel } from '../imagen/mapping.js';
import { planImagen } from '../imagen/plan.js';
import { buildPredictRequest } from '../imagen/request.js';
import { TokenCaches } from './access-token.js';
import type { VertexSettings } from '../../config/config.js';
import { placeOf, vertexEndpoint } from './endpoint.js';

export function createVertexAdapter(settings: VertexSettings): ProviderAdapter {
  const tokens = new TokenCaches(settings.tokenUrl);
  return {
    name: 'vertex',
    validate(job, route) {
      if (isImagenModel(route.upstreamModel)) planImagen(job, route, 'vertex');
      else resolveImageConfig(job, route);
    },
    async generate(job, route, ctx) {
      const account = tokens.for(route.apiKey);
      const place = placeOf(route, settings, (await account.serviceAccount()).project_id);
      const token = await account.accessToken(ctx);
      const endpoint = vertexEndpoint(route, place, token);
      try {
        if (!isImagenModel(route.upstreamModel)) return await generateContentImages(job, route, ctx, endpoint);
        const plan = planImagen(job, route, 'vertex');
        return await predict(endpoint.who, await buildPredictRequest(job, plan, endpoint), plan, ctx);
      } catch (e) {
        // A refused token is dropped, so the retry (the failure is retryable) exchanges for a fresh one.
        if (e instanceof GatewayError && e.cause instanceof CredentialsRejected) account.forget(token);
        throw e;
      }
    },
  };
}
