/**
 * A planned job → the upstream HTTP request: JSON for generations, multipart for edits and variations, and
 * JSON for an edit whose fields OpenAI takes only in that form (its images then go as data URLs).
 */
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
const imageRef = (img: InputImage) => ({ image_url: `data:${img.mime};base64,${img.bytes.toString('base64')}` });

export function buildRequest(job: ImageJob, route: Route, plan: OpenAIPlan): UpstreamRequest {
  const url = `${route.baseUrl.replace(/\/+$/, '')}/images/${plan.endpoint}`;
  const headers = headersFor(route);
  if (plan.encoding === 'json') {
    const body: Record<string, unknown> = Object.fromEntries(plan.fields);
    if (plan.endpoint === 'edits') {
      body.images = job.images.map(imageRef);
      if (job.mask) body.mask = imageRef(job.mask);
    }
    return { method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) };
  }
  const parts: Part[] = [...plan.fields];
  // One image goes as `image`; several as repeated `image[]`, the way OpenAI's own SDK sends them.
  const imageField = job.images.length > 1 ? 'image[]' : 'image';
  job.images.forEach((img, i) => {
    parts.push([imageField, file(img, `image_${i}`)]);
  });
  if (job.mask) parts.push(['mask', file(job.mask, 'mask')]);
  const { body, contentType } = encodeMultipart(parts);
  return { method: 'POST', url, headers: { ...headers, 'content-type': contentType }, body };
}
