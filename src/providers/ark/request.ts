/** ImageJob + plan → the JSON `POST {baseUrl}/images/generations` that every Seedream operation uses. */
import type { ImageJob, InputImage, JsonValue } from '../../domain/job.js';
import type { UpstreamRequest } from '../http.js';
import type { Route } from '../../domain/adapter.js';
import { FIELD_MAP, RESPONSE_FORMAT } from './mapping.js';
import type { ArkPlan } from './plan.js';

/**
 * A reference as Ark takes it: the client's public URL when it gave one (Ark fetches it, no upload), else
 * the bytes inline as a data URL — the one encoding the protocol needs.
 */
function reference(img: InputImage): string {
  return img.sourceUrl ?? `data:${img.mime};base64,${img.bytes.toString('base64')}`;
}

export function buildBody(job: ImageJob, route: Route, plan: ArkPlan): Record<string, JsonValue> {
  const body: Record<string, JsonValue> = { model: route.upstreamModel, prompt: job.prompt };
  if (plan.size !== undefined) body.size = plan.size;
  if (job.images.length > 0) {
    const refs = job.images.map(reference);
    body.image = refs.length === 1 ? refs[0]! : refs;
  }
  for (const [name, mapping] of Object.entries(FIELD_MAP)) {
    const value = mapping.translate(job.params[name], plan);
    if (value !== undefined) body[mapping.to] = value;
  }
  body.response_format = RESPONSE_FORMAT[job.responseFormat];
  return body;
}

/** One request; a fan-out sends this same request (body encoded once) for each image. */
export function buildRequest(job: ImageJob, route: Route, plan: ArkPlan): UpstreamRequest {
  return {
    method: 'POST',
    url: `${route.baseUrl}/images/generations`,
    headers: { authorization: `Bearer ${route.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(buildBody(job, route, plan)),
  };
}
