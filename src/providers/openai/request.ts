/** Builds the upstream HTTP request: JSON for generations, multipart for edits and variations. */
import type { ImageJob } from '../../core/job.js';
import type { UpstreamRequest } from '../http.js';
import type { Route } from '../types.js';
import { endpointOf, mappedFields } from './mapping.js';

const EXT: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/gif': 'gif', 'image/bmp': 'bmp' };

/** A typed view over the same memory (Blob takes ArrayBuffer-backed views; Buffer's type is wider). */
const view = (b: Buffer) => new Uint8Array(b.buffer as ArrayBuffer, b.byteOffset, b.byteLength);

export function buildRequest(job: ImageJob, route: Route): UpstreamRequest {
  const ep = endpointOf(job);
  const url = `${route.baseUrl}/images/${ep}`;
  const auth = { authorization: `Bearer ${route.apiKey}` };
  const fields = mappedFields(job, route.upstreamModel);
  if (ep === 'generations') {
    return { method: 'POST', url, headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(Object.fromEntries(fields)) };
  }
  const form = new FormData();
  for (const [k, v] of fields) form.append(k, String(v));
  // One image goes as `image`; several as repeated `image[]`, as the OpenAI SDK sends them.
  const imageField = job.images.length > 1 ? 'image[]' : 'image';
  job.images.forEach((img, i) => form.append(imageField, new Blob([view(img.bytes)], { type: img.mime }), `image_${i}.${EXT[img.mime] ?? 'png'}`));
  if (job.mask) form.append('mask', new Blob([view(job.mask.bytes)], { type: 'image/png' }), 'mask.png');
  return { method: 'POST', url, headers: auth, body: form };
}
