/** A planned job → the upstream HTTP request: JSON for generations, multipart for edits and variations. */
import type { ImageJob, InputImage } from '../../domain/job.js';
import type { UpstreamRequest } from '../http.js';
import type { Route } from '../../domain/adapter.js';
import { ROUTE_OPTION_HEADERS } from './mapping.js';
import { encodeMultipart, type Part } from './multipart.js';
import type { OpenAIPlan } from './plan.js';

const EXTENSION: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/gif': 'gif', 'image/bmp': 'bmp' };

function headersFor(route: Route): Record<string, string> {
  const headers: Record<string, string> = { authorization: `Bearer ${route.apiKey}` };
  for (const [option, header] of Object.entries(ROUTE_OPTION_HEADERS)) {
    const value = route.options[option];
    if (value !== undefined && value !== '') headers[header] = String(value);
  }
  return headers;
}

const file = (img: InputImage, name: string) => ({ filename: `${name}.${EXTENSION[img.mime] ?? 'png'}`, type: img.mime, bytes: img.bytes });

export function buildRequest(job: ImageJob, route: Route, plan: OpenAIPlan): UpstreamRequest {
  const url = `${route.baseUrl.replace(/\/+$/, '')}/images/${plan.endpoint}`;
  const headers = headersFor(route);
  const stream = plan.upstreamStream;
  if (plan.endpoint === 'generations') {
    const fields = { ...Object.fromEntries(plan.fields), ...(stream ? { stream: true, partial_images: stream.partialImages } : {}) };
    return { method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(fields) };
  }
  const parts: Part[] = [...plan.fields];
  if (stream) parts.push(['stream', 'true'], ['partial_images', stream.partialImages]);
  // One image goes as `image`; several as repeated `image[]`, the way OpenAI's own SDK sends them.
  const imageField = job.images.length > 1 ? 'image[]' : 'image';
  job.images.forEach((img, i) => {
    parts.push([imageField, file(img, `image_${i}`)]);
  });
  if (job.mask) parts.push(['mask', file(job.mask, 'mask')]);
  const { body, contentType } = encodeMultipart(parts);
  return { method: 'POST', url, headers: { ...headers, 'content-type': contentType }, body };
}
