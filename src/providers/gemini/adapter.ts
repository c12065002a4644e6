/**
 * The Gemini API adapter: Gemini image models ("Nano Banana": gemini-2.5-flash-image,
 * gemini-3-pro-image-preview, gemini-3.1-flash-image-preview) through generateContent (generate.ts), and
 * Imagen models (`imagen-…`) through `:predict`, both with GEMINI_API_KEY.
 */
import type { ProviderAdapter, Route } from '../../domain/adapter.js';
import { predict } from '../imagen/call.js';
import { isImagenModel } from '../imagen/mapping.js';
import { planImagen } from '../imagen/plan.js';
import { buildPredictRequest } from '../imagen/request.js';
import { geminiApiEndpoint } from './endpoint.js';
import { generateContentImages } from './generate.js';
import { resolveImageConfig } from './image-config.js';

const servesImagen = (route: Route): boolean => isImagenModel(route.upstreamModel);

export function createGeminiAdapter(): ProviderAdapter {
  return {
    name: 'gemini',
    validate(job, route) {
      if (servesImagen(route)) planImagen(job, route, 'gemini');
      else resolveImageConfig(job, route);
    },
    async generate(job, route, ctx) {
      const endpoint = geminiApiEndpoint(route);
      if (!servesImagen(route)) return generateContentImages(job, route, ctx, endpoint);
      const plan = planImagen(job, route, 'gemini');
      return predict(endpoint.who, await buildPredictRequest(job, plan, endpoint), plan, ctx);
    },
  };
}
