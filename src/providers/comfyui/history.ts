/**
 * Reading `GET /history/{prompt_id}` (the source of truth about a prompt) and `GET /queue`. A history entry is
 * `{prompt, outputs: {<node>: {images: [{filename, subfolder, type}]}}, status: {status_str, completed,
 * messages: [[event, data], …]}}`; a prompt still queued or running has no entry yet.
 */
import { executionError, type ExecutionErrorData, interrupted, malformed } from './errors.js';
import type { OutputImage } from './request.js';

interface HistoryEntry {
  outputs?: Record<string, { images?: unknown }>;
  status?: { status_str?: unknown; completed?: unknown; messages?: unknown };
}

/** What the history says of a prompt: nothing yet, or its saved images (failures are thrown). */
export type HistoryVerdict = { state: 'absent' } | { state: 'done'; images: OutputImage[] };

const isImage = (v: unknown): v is OutputImage =>
  typeof v === 'object' && v !== null && typeof (v as OutputImage).filename === 'string' && typeof ((v as OutputImage).subfolder ?? '') === 'string';

/** The status message of `event` (`execution_error`, `execution_interrupted`), when the entry has one. */
function messageOf(entry: HistoryEntry, event: string): Record<string, unknown> | undefined {
  const messages = Array.isArray(entry.status?.messages) ? entry.status.messages : [];
  for (const m of messages) {
    if (Array.isArray(m) && m[0] === event && typeof m[1] === 'object' && m[1] !== null) return m[1] as Record<string, unknown>;
  }
  return undefined;
}

/**
 * The answer's images: those of `outputNode` when the route names one; otherwise every node's saved images
 * (type `output`; PreviewImage's `temp` ones are not the answer), nodes in id order.
 */
function imagesOf(entry: HistoryEntry, outputNode: string | undefined): OutputImage[] {
  const outputs = entry.outputs ?? {};
  const nodes = outputNode !== undefined ? [outputNode] : Object.keys(outputs).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const images: OutputImage[] = [];
  for (const node of nodes) {
    const list = outputs[node]?.images;
    if (!Array.isArray(list)) continue;
    for (const img of list) {
      if (!isImage(img)) continue;
      const type = typeof img.type === 'string' ? img.type : 'output';
      if (outputNode === undefined && type !== 'output') continue;
      images.push({ filename: img.filename, subfolder: img.subfolder ?? '', type });
    }
  }
  return images;
}

export function readHistory(body: unknown, promptId: string, outputNode: string | undefined): HistoryVerdict {
  if (typeof body !== 'object' || body === null) throw malformed('history');
  const entry = (body as Record<string, HistoryEntry | undefined>)[promptId];
  if (entry === undefined) return { state: 'absent' };
  if (typeof entry !== 'object' || entry === null) throw malformed('history entry');
  const failure = messageOf(entry, 'execution_error');
  if (failure || entry.status?.status_str === 'error') {
    if (messageOf(entry, 'execution_interrupted')) throw interrupted(promptId);
    throw executionError(promptId, (failure ?? {}) as ExecutionErrorData);
  }
  if (messageOf(entry, 'execution_interrupted')) throw interrupted(promptId);
  return { state: 'done', images: imagesOf(entry, outputNode) };
}

/** Where the prompt stands in `GET /queue`: `[number, prompt_id, prompt, extra_data, outputs]` items. */
export function queuePlace(body: unknown, promptId: string): 'running' | 'pending' | 'absent' {
  if (typeof body !== 'object' || body === null) throw malformed('queue');
  const has = (list: unknown) => Array.isArray(list) && list.some((item) => Array.isArray(item) && item[1] === promptId);
  const q = body as { queue_running?: unknown; queue_pending?: unknown };
  if (has(q.queue_running)) return 'running';
  if (has(q.queue_pending)) return 'pending';
  return 'absent';
}
