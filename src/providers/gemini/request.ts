/**
 * ImageJob + Route → one `models/{model}:generateContent` request (Gemini API docs). Gemini returns one
 * image per call, so the adapter sends this same request n times; it is built (and the references
 * base64-encoded) once.
 */
import type { ImageJob } from '../../domain/job.js';
import type { UpstreamRequest } from '../http.js';
import type { GoogleEndpoint } from './endpoint.js';
import type { ImageConfig } from './image-config.js';

export interface GenerateContentRequest {
  contents: Array<{ role: 'user'; parts: Array<{ text: string } | { inlineData: { mimeType: string; data: string } }> }>;
  generationConfig: { responseModalities: Array<'TEXT' | 'IMAGE'>; imageConfig?: ImageConfig };
}

export function buildBody(job: ImageJob, imageConfig: ImageConfig): GenerateContentRequest {
  // The prompt first, then the references in client order: prompts refer to "the first image" etc.
  const parts: GenerateContentRequest['contents'][number]['parts'] = [
    { text: job.prompt },
    ...job.images.map((img) => ({ inlineData: { mimeType: img.mime, data: img.bytes.toString('base64') } })),
  ];
  const hasConfig = Object.keys(imageConfig).length > 0;
  return {
    contents: [{ role: 'user', parts }],
    generationConfig: { responseModalities: ['TEXT', 'IMAGE'], ...(hasConfig ? { imageConfig } : {}) },
  };
}

/**
 * `generateContent`, or `streamGenerateContent?alt=sse` (the same body, answered as server-sent events, each
 * a partial GenerateContentResponse) when the client reads the answer as a stream.
 */
export function buildRequest(job: ImageJob, endpoint: GoogleEndpoint, imageConfig: ImageConfig, stream = false): UpstreamRequest {
  return {
    method: 'POST',
    url: endpoint.url(stream ? 'streamGenerateContent?alt=sse' : 'generateContent'),
    headers: { ...endpoint.headers, 'content-type': 'application/json' },
    // Encoded once as bytes: the n calls of one job all send this same buffer.
    body: Buffer.from(JSON.stringify(buildBody(job, imageConfig))),
  };
}
