/** ImageJob + plan → the DashScope HTTP requests of both protocols (DashScope API docs). */
import type { ImageJob, InputImage, JsonValue } from '../../domain/job.js';
import type { UpstreamRequest } from '../http.js';
import type { Route } from '../../domain/adapter.js';
import { PATHS } from './mapping.js';
import type { DashScopePlan } from './plan.js';

type JsonObject = { [k: string]: JsonValue };

const headers = (route: Route, extra: Record<string, string> = {}): Record<string, string> => ({
  authorization: `Bearer ${route.apiKey}`,
  'content-type': 'application/json',
  ...extra,
});

const url = (route: Route, path: string) => `${route.baseUrl.replace(/\/+$/, '')}${path}`;

/** The client's public URL when there is one (DashScope fetches it itself), else the bytes as a data URL. */
export const imageReference = (image: InputImage): string => image.sourceUrl ?? `data:${image.mime};base64,${image.bytes.toString('base64')}`;

function split(job: ImageJob, plan: DashScopePlan): { input: JsonObject; parameters: JsonObject } {
  const input: JsonObject = {};
  // n is always sent: DashScope's default is 4 images.
  const parameters: JsonObject = { ...(plan.size === undefined ? {} : { size: plan.size }), n: job.n };
  for (const v of plan.values) (v.at === 'input' ? input : parameters)[v.name] = v.value;
  return { input, parameters };
}

/** Task protocol: the create call. X-DashScope-Async is mandatory on these endpoints. */
export function createTaskRequest(job: ImageJob, route: Route, plan: DashScopePlan): UpstreamRequest {
  const { input, parameters } = split(job, plan);
  const withImages = job.images.length > 0;
  const body = {
    model: route.upstreamModel,
    input: { prompt: job.prompt, ...input, ...(withImages ? { images: job.images.map(imageReference) } : {}) },
    parameters,
  };
  return {
    method: 'POST',
    url: url(route, withImages ? PATHS.imageToImageTask : PATHS.textToImageTask),
    headers: headers(route, { 'X-DashScope-Async': 'enable' }),
    body: JSON.stringify(body),
  };
}

/** Messages protocol: one user message, the reference images before the one text item. */
export function messagesRequest(job: ImageJob, route: Route, plan: DashScopePlan): UpstreamRequest {
  const { input, parameters } = split(job, plan);
  const content = [...job.images.map((image) => ({ image: imageReference(image) })), { text: job.prompt }];
  const body = { model: route.upstreamModel, input: { messages: [{ role: 'user', content }], ...input }, parameters };
  return { method: 'POST', url: url(route, PATHS.messages), headers: headers(route), body: JSON.stringify(body) };
}

export const pollRequest = (route: Route, taskId: string): UpstreamRequest => ({
  method: 'GET',
  url: url(route, PATHS.task(taskId)),
  headers: { authorization: `Bearer ${route.apiKey}` },
});

export const cancelRequest = (route: Route, taskId: string): UpstreamRequest => ({
  method: 'POST',
  url: url(route, PATHS.cancel(taskId)),
  headers: { authorization: `Bearer ${route.apiKey}` },
});
