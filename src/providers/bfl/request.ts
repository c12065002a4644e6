/** A planned job → BFL's submit request; a handle → its poll request. `x-key` carries the key on both. */
import type { Route } from '../../domain/adapter.js';
import type { ImageJob } from '../../domain/job.js';
import type { UpstreamRequest } from '../http.js';
import { baseUrlOf } from './endpoint.js';
import type { BflHandle } from './handle.js';
import { inputImageField } from './mapping.js';
import type { BflPlan } from './plan.js';

const headersOf = (route: Route) => ({ 'x-key': route.apiKey, accept: 'application/json' });

/** Input images go as plain base64 (BFL takes base64 or a URL; bytes the gateway holds need no public URL). */
export function submitRequest(job: ImageJob, route: Route, plan: BflPlan): UpstreamRequest {
  const body: Record<string, unknown> = { ...plan.fields };
  job.images.forEach((img, i) => {
    body[inputImageField(i)] = img.bytes.toString('base64');
  });
  return {
    method: 'POST',
    url: `${baseUrlOf(route)}${plan.path}`,
    headers: { ...headersOf(route), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

export function pollRequest(route: Route, handle: BflHandle): UpstreamRequest {
  return { method: 'GET', url: handle.pollingUrl.href, headers: headersOf(route) };
}
