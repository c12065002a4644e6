/**
 * A planned job → the upstream HTTP request: JSON for generations, multipart for edits and variations, and
 * JSON for an edit whose fields OpenAI takes only in that form (its images then go as data URLs).
 */
import type { ImageJob, InputImage } from '../../domain/job.js';
import type { UpstreamRequest } from '../http.js';
import type { Route } from '../../domain/adapter.js';
import type { ImagesApiFlavour, ImagesApiTarget } from './flavour.js';
import { encodeMultipart, type Part } from '../multipart.js';
import type { OpenAIPlan } from './plan.js';

const EXTENSION: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/gif': 'gif', 'image/bmp': 'bmp' };

function headersFor(route: Route, optionHeaders: ImagesApiFlavour['routeOptionHeaders']): Record<string, string> {
  const headers: Record<string, string> = { authorization: `Bearer ${route.apiKey}` };
  for (const [option, header] of Object.entries(optionHeaders)) {
    const value = route.options[option];
    if (value !== undefined && value !== '' && typeof value !== 'object') headers[header] = String(value);
  }
  return headers;
}

const file = (img: InputImage, name: string) => ({ filename: `${name}.${EXTENSION[img.mime] ?? 'png'}`, type: img.mime, bytes: img.bytes });

/**
 * A JSON edit body, written as bytes around each image's base64 text: serializing megabytes of base64 as
 * one JSON string would scan and copy it twice more (six times slower for four 8 MB images).
 */
function jsonEditBody(job: ImageJob, fields: Readonly<Record<string, unknown>>): Buffer {
  const head = JSON.stringify(fields);
  const ref = (img: InputImage) => [
    Buffer.from(`{"image_url":"data:${img.mime};base64,`),
    Buffer.from(img.bytes.toString('base64'), 'latin1'),
    Buffer.from('"}'),
  ];
  const pieces = [Buffer.from(`${head.slice(0, -1)}${Object.keys(fields).length ? ',' : ''}"images":[`)];
  job.images.forEach((img, i) => {
    if (i > 0) pieces.push(Buffer.from(','));
    pieces.push(...ref(img));
  });
  pieces.push(Buffer.from(']'));
  if (job.mask) pieces.push(Buffer.from(',"mask":'), ...ref(job.mask));
  pieces.push(Buffer.from('}'));
  return Buffer.concat(pieces);
}

/** OpenAI's own: `{base}/images/{endpoint}`, the key as a bearer token, the flavour's option headers. */
function defaultTarget(route: Route, flavour: Pick<ImagesApiFlavour, 'routeOptionHeaders'>): ImagesApiTarget {
  return { url: (endpoint) => `${route.baseUrl.replace(/\/+$/, '')}/images/${endpoint}`, headers: headersFor(route, flavour.routeOptionHeaders) };
}

export function buildRequest(job: ImageJob, route: Route, plan: OpenAIPlan, flavour: Pick<ImagesApiFlavour, 'routeOptionHeaders' | 'target'>): UpstreamRequest {
  const target = flavour.target ? flavour.target(route) : defaultTarget(route, flavour);
  const url = target.url(plan.endpoint);
  const headers = target.headers;
  const stream = plan.upstreamStream;
  const planned = target.bodyModel === undefined ? plan.fields : new Map(plan.fields).set('model', target.bodyModel);
  if (plan.encoding === 'json') {
    const fields = { ...Object.fromEntries(planned), ...(stream ? { stream: true, partial_images: stream.partialImages } : {}) };
    const body = plan.endpoint === 'edits' ? jsonEditBody(job, fields) : JSON.stringify(fields);
    return { method: 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, body };
  }
  const parts: Part[] = [...planned];
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
