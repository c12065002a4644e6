/** A planned job → Stability's multipart request, asking for image bytes or JSON as the route says. */
import type { Route } from '../../domain/adapter.js';
import type { ImageJob, InputImage } from '../../domain/job.js';
import type { UpstreamRequest } from '../http.js';
import { encodeMultipart, type Part } from '../multipart.js';
import { ACCEPT_OF, type AnswerKind, DEFAULT_ANSWER } from './mapping.js';
import type { StabilityPlan } from './plan.js';

const EXTENSION: Readonly<Record<string, string>> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

/** Route option `answer`: `image` (bytes, the default) or `json` (base64 in a JSON body). */
export function answerKindOf(route: Route): AnswerKind {
  return route.options.answer === 'json' ? 'json' : DEFAULT_ANSWER;
}

const file = (img: InputImage, name: string) => ({ filename: `${name}.${EXTENSION[img.mime] ?? 'png'}`, type: img.mime, bytes: img.bytes });

export function buildRequest(job: ImageJob, route: Route, plan: StabilityPlan): UpstreamRequest {
  const parts: Part[] = [...plan.fields];
  const source = job.images[0];
  if (plan.sendsImage && source) parts.push(['image', file(source, 'image')]);
  if (job.mask) parts.push(['mask', file(job.mask, 'mask')]);
  const { body, contentType } = encodeMultipart(parts);
  return {
    method: 'POST',
    url: `${route.baseUrl.replace(/\/+$/, '')}${plan.service.path}`,
    headers: { authorization: `Bearer ${route.apiKey}`, accept: ACCEPT_OF[answerKindOf(route)], 'content-type': contentType },
    body,
  };
}
