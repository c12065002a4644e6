/**
 * Where a Google model's methods are and how a call is authorised. The Gemini API and Vertex AI speak the
 * same generateContent and predict bodies; only this differs, so each adapter supplies its own and shares the rest.
 */
import type { Route } from '../../domain/adapter.js';
import { WHO } from './errors.js';

export interface GoogleEndpoint {
  /** Names the API in error messages. */
  who: string;
  /** The URL of one method of the model (`generateContent`, `streamGenerateContent?alt=sse`, `predict`). */
  url(method: string): string;
  headers: Readonly<Record<string, string>>;
}

/** The Gemini API: `{base}/models/{model}:{method}` with the API key in `x-goog-api-key`. */
export function geminiApiEndpoint(route: Route): GoogleEndpoint {
  const model = encodeURIComponent(route.upstreamModel.replace(/^models\//, ''));
  return {
    who: WHO,
    url: (method) => `${route.baseUrl}/models/${model}:${method}`,
    // The key goes in the header, never in the URL, so it cannot end up in logged URLs.
    headers: { 'x-goog-api-key': route.apiKey },
  };
}
