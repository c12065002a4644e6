/**
 * ComfyUI failures → GatewayError.
 * - `POST /prompt` 400 `{error: {type, message}, node_errors: {<node>: {class_type, errors: [{message, details,
 *   extra_info: {input_name}}]}}}` (execution.validate_prompt): an input the request filled (a binding) → 400
 *   naming its public field; any other input → the operator's workflow or this host (a model file or custom
 *   node it lacks) → 502, retryable so another host may take the job.
 * - `execution_error` (history status messages and the websocket): names the node and its exception → 502;
 *   out of GPU memory is retryable (another host may have room), anything else not.
 * - `execution_interrupted`: someone stopped the prompt on the host → 502, not retryable.
 * - Other HTTP statuses by errorForStatus (5xx retryable). ComfyUI has no content moderation.
 */
import { GatewayError } from '../../domain/errors.js';
import { excerpt } from '../../domain/excerpt.js';
import { errorForStatus, type UpstreamResponse } from '../http.js';
import { redact } from '../redact.js';
import { jobEnded } from '../upstream-job.js';
import { COMFYUI } from './mapping.js';
import type { WorkflowTemplate } from './workflow.js';

interface NodeError {
  message?: unknown;
  details?: unknown;
  extra_info?: { input_name?: unknown };
}
interface PromptErrorBody {
  error?: { type?: unknown; message?: unknown; details?: unknown } | string;
  node_errors?: Record<string, { class_type?: unknown; errors?: NodeError[] }>;
}

const text = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** The public field a bound input came from: width and height are the request's size. */
function publicField(binding: string): string {
  return binding === 'width' || binding === 'height' ? 'size' : binding;
}

function bindingAt(t: WorkflowTemplate, node: string, input: string | undefined): string | undefined {
  if (input === undefined) return undefined;
  for (const [name, path] of t.bindings) if (path.node === node && path.input === input) return name;
  return undefined;
}

/** A refused `POST /prompt` (or any other failed call). */
export function promptError(res: UpstreamResponse, t: WorkflowTemplate): GatewayError {
  let body: PromptErrorBody | undefined;
  try {
    body = res.json<PromptErrorBody>();
  } catch {
    body = undefined;
  }
  if (res.status !== 400 || typeof body !== 'object' || body === null) return errorForStatus(COMFYUI, res, undefined);
  for (const [node, failure] of Object.entries(body.node_errors ?? {})) {
    for (const e of failure.errors ?? []) {
      const input = text(e.extra_info?.input_name);
      const what = redact(excerpt([text(e.message), text(e.details)].filter(Boolean).join(': '), 300));
      const binding = bindingAt(t, node, input);
      if (binding) {
        const param = publicField(binding);
        return new GatewayError('invalid_request', `${COMFYUI} refused ${param}: ${what}.`, { param });
      }
      return workflowRefused(`node ${node} (${text(failure.class_type) ?? 'unknown class'}): ${what}`);
    }
  }
  const error = typeof body.error === 'string' ? body.error : [text(body.error?.message), text(body.error?.details)].filter(Boolean).join(': ');
  return workflowRefused(redact(excerpt(error || `HTTP ${res.status}`, 300)));
}

const workflowRefused = (why: string) =>
  new GatewayError('upstream_error', `${COMFYUI} refused the model's workflow at ${why}. The operator must fix the workflow or the host.`, {
    retryable: true,
  });

/** The data of an `execution_error` message (execution.py). */
export interface ExecutionErrorData {
  node_id?: unknown;
  node_type?: unknown;
  exception_type?: unknown;
  exception_message?: unknown;
}

export function executionError(promptId: string, data: ExecutionErrorData): GatewayError {
  const node = `${text(data.node_id) ?? '?'} (${text(data.node_type) ?? 'unknown class'})`;
  const type = text(data.exception_type) ?? 'error';
  const message = redact(excerpt(text(data.exception_message)?.trim() ?? '', 300));
  return jobEnded(
    new GatewayError('upstream_error', `${COMFYUI} failed running node ${node}: ${type}${message ? `: ${message}` : ''}.`, {
      retryable: /OutOfMemory/i.test(type),
      details: { upstream_task_id: promptId, node: text(data.node_id) ?? null },
    }),
  );
}

export const interrupted = (promptId: string) =>
  jobEnded(new GatewayError('upstream_error', `${COMFYUI} prompt ${promptId} was interrupted on the host before it finished.`, { retryable: false }));

/** Neither queued, running nor in the history: the host restarted (it keeps both in memory) or cleared them. */
export const forgotten = (promptId: string) =>
  jobEnded(
    new GatewayError('upstream_error', `${COMFYUI} no longer knows prompt ${promptId} (the host restarted or its queue was cleared).`, {
      retryable: true,
      details: { upstream_task_id: promptId },
    }),
  );

export const malformed = (what: string) => new GatewayError('upstream_error', `${COMFYUI} returned a malformed ${what}.`, { retryable: true });

export const statusError = (res: UpstreamResponse) => errorForStatus(COMFYUI, res, undefined);
