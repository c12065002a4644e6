/** ComfyUI's requests (server.py), each to the route's host, with the route's key as a bearer token when it has one. */
import type { Route } from '../../domain/adapter.js';
import type { InputImage } from '../../domain/job.js';
import type { UpstreamRequest } from '../http.js';
import { encodeMultipart } from '../multipart.js';
import { PATH } from './mapping.js';
import type { ApiWorkflow } from './workflow.js';

const EXTENSION: Readonly<Record<string, string>> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'image/gif': 'gif', 'image/bmp': 'bmp' };

const base = (route: Pick<Route, 'baseUrl'>) => route.baseUrl.replace(/\/+$/, '');

/** A keyless route (ComfyUI itself has no auth) sends none; a key is for a proxy in front of it. */
export const authHeaders = (route: Pick<Route, 'credential' | 'apiKey'>): Record<string, string> =>
  route.credential === 'none' || route.apiKey === '' ? {} : { authorization: `Bearer ${route.apiKey}` };

const json = (route: Route, path: string, body: unknown): UpstreamRequest => ({
  method: 'POST',
  url: `${base(route)}${path}`,
  headers: { ...authHeaders(route), 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const get = (route: Route, path: string): UpstreamRequest => ({ method: 'GET', url: `${base(route)}${path}`, headers: authHeaders(route) });

/**
 * An input image into ComfyUI's input folder (`POST /upload/image`), under a name of this request so that
 * concurrent requests never overwrite each other's images and a retry overwrites its own.
 */
export function uploadRequest(route: Route, img: InputImage, name: string): UpstreamRequest {
  const { body, contentType } = encodeMultipart([
    ['image', { filename: `${name}.${EXTENSION[img.mime] ?? 'png'}`, type: img.mime, bytes: img.bytes }],
    ['type', 'input'],
    ['overwrite', 'true'],
  ]);
  return { method: 'POST', url: `${base(route)}${PATH.upload}`, headers: { ...authHeaders(route), 'content-type': contentType }, body };
}

/** Queues the workflow under the gateway's client id: the websocket of that id hears of its progress. */
export const promptRequest = (route: Route, graph: ApiWorkflow, clientId: string) => json(route, PATH.prompt, { prompt: graph, client_id: clientId });

export const historyRequest = (route: Route, promptId: string) => get(route, PATH.history(promptId));

export const queueRequest = (route: Route) => get(route, PATH.queue);

/** `GET /prompt`: `exec_info.queue_remaining`, the prompts running and waiting. */
export const queueInfoRequest = (route: Route) => get(route, PATH.prompt);

export const deleteFromQueueRequest = (route: Route, promptId: string) => json(route, PATH.queue, { delete: [promptId] });

/** ComfyUI since 0.3.4x interrupts only a running prompt of this id; older ones whatever runs (so cancel asks /queue first). */
export const interruptRequest = (route: Route, promptId: string) => json(route, PATH.interrupt, { prompt_id: promptId });

export interface OutputImage {
  filename: string;
  subfolder: string;
  type: string;
}

export const viewRequest = (route: Route, img: OutputImage) =>
  get(route, `${PATH.view}?${new URLSearchParams({ filename: img.filename, subfolder: img.subfolder, type: img.type })}`);

/** The websocket's address for a client id (`ws:` for `http:`, `wss:` for `https:`). */
export function socketUrl(route: Pick<Route, 'baseUrl'>, clientId: string): string {
  const url = new URL(`${base(route)}${PATH.socket}`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('clientId', clientId);
  return url.toString();
}
