/**
 * One run: send the request with the playground's key, then report what happened to the run's view: the
 * images and the charge at once, or, for a queued task (202), its progress from `GET /v1/tasks/{id}` until
 * it ends. A failure is thrown to the form (which shows it with its field) and recorded on the run.
 */
import { ApiError } from '../../api/client.js';
import { getTask, type ImagesAnswer, run, type TaskAnswer } from './public-api.js';
import type { PlaygroundRequest } from './request.js';
import type { RunImage, RunView } from './results.js';
import { asApiError } from '../../ui/status.js';

const POLL_MS = 1000;
const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);

function imagesOf(body: ImagesAnswer): RunImage[] {
  const format = body.output_format ?? 'png';
  return body.data.map((d) => ({
    src: d.b64_json !== undefined ? `data:image/${format};base64,${d.b64_json}` : (d.url ?? ''),
    revisedPrompt: d.revised_prompt,
    size: d.size ?? body.size,
  }));
}

function taskImages(task: TaskAnswer): RunImage[] {
  return (task.data ?? []).map((d) => ({ src: d.url ?? '', revisedPrompt: d.revised_prompt, size: d.size }));
}

export async function startRun(key: string, req: PlaygroundRequest, update: (p: Partial<RunView>) => void): Promise<void> {
  let answer: Awaited<ReturnType<typeof run>>;
  try {
    answer = await run(key, req);
  } catch (e) {
    update({ state: 'failed', error: asApiError(e) });
    throw e;
  }
  if (answer.kind === 'images') {
    update({ state: 'done', requestId: answer.requestId, images: imagesOf(answer.body), charge: answer.body.imagegate.billing?.amount ?? null });
    return;
  }
  update({ state: 'queued', requestId: answer.requestId, taskId: answer.task.id, progress: answer.task.progress });
  void poll(key, answer.task.id, update);
}

async function poll(key: string, id: string, update: (p: Partial<RunView>) => void): Promise<void> {
  for (;;) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    let task: TaskAnswer;
    try {
      task = await getTask(key, id);
    } catch (e) {
      update({ state: 'failed', error: asApiError(e) });
      return;
    }
    if (!TERMINAL.has(task.status)) {
      update({ progress: task.progress });
      continue;
    }
    if (task.status === 'succeeded') {
      update({ state: 'done', images: taskImages(task), charge: task.imagegate?.billing?.amount ?? null });
    } else {
      const e = task.error as { message?: string; code?: string; param?: string } | undefined;
      update({ state: 'failed', error: new ApiError(0, e?.message ?? task.status, e?.code ?? task.status, e?.param ?? null) });
    }
    return;
  }
}
