/**
 * The public image API called with the playground's key, exactly as any client calls it: a Bearer key, no
 * cookie, so the gateway bills, limits and logs it like API traffic. Failures are ApiErrors with the
 * gateway's message and field, like the console's own calls.
 */
import { ApiError } from '../../api/client.js';
import type { renderTask } from '../../../../src/server/task-object.js';
import type { ImagesResponse } from '../../../../src/dialects/openai-images.js';
import type { ModelDetail, ModelListItem } from './contract.js';
import { bodyOf, type PlaygroundRequest } from './request.js';

export type ImagesAnswer = Omit<ImagesResponse, 'data'> & { data: Array<{ b64_json?: string; url?: string; revised_prompt?: string; size?: string }> };
export type TaskAnswer = ReturnType<typeof renderTask>;

async function call(key: string, path: string, init: { method?: string; body?: string | FormData; contentType?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, accept: 'application/json' };
  if (init.contentType) headers['content-type'] = init.contentType;
  let res: Response;
  try {
    // `omit`: the key alone says who calls, never the console's cookie.
    res = await fetch(path, { method: init.method ?? 'GET', headers, body: init.body, credentials: 'omit' });
  } catch {
    throw new ApiError(0, 'The gateway did not answer. Is it running?', null, null);
  }
  if (!res.ok) {
    const parsed = (await res.json().catch(() => undefined)) as { error?: { message?: string; code?: string; param?: string } } | undefined;
    const e = parsed?.error;
    throw new ApiError(res.status, e?.message || `The gateway answered ${res.status}.`, e?.code ?? null, e?.param ?? null);
  }
  return res;
}

export async function listModels(key: string): Promise<ModelListItem[]> {
  return ((await (await call(key, '/v1/models')).json()) as { data: ModelListItem[] }).data;
}

export async function getModel(key: string, id: string): Promise<ModelDetail> {
  return (await (await call(key, `/v1/models/${encodeURIComponent(id)}`)).json()) as ModelDetail;
}

export async function getTask(key: string, id: string): Promise<TaskAnswer> {
  return (await (await call(key, `/v1/tasks/${encodeURIComponent(id)}`)).json()) as TaskAnswer;
}

/** The answer of a run: the images at once, or a queued task (202) to poll. */
export type RunAnswer = { kind: 'images'; requestId: string; body: ImagesAnswer } | { kind: 'task'; requestId: string; task: TaskAnswer };

export async function run(key: string, req: PlaygroundRequest): Promise<RunAnswer> {
  const res = await call(key, req.endpoint, { method: 'POST', ...(await bodyOf(req)) });
  const requestId = res.headers.get('x-request-id') ?? '';
  if (res.status === 202) return { kind: 'task', requestId, task: (await res.json()) as TaskAnswer };
  return { kind: 'images', requestId, body: (await res.json()) as ImagesAnswer };
}
