/**
 * The persisted upstream id of a ComfyUI job: the prompt id and the client id it was queued under (the
 * websocket of that id hears of its progress, after a restart too). No secret: the host is the route's.
 */
import { GatewayError } from '../../domain/errors.js';
import { COMFYUI } from './mapping.js';

export interface PromptHandle {
  promptId: string;
  clientId: string;
}

export const encodeHandle = (h: PromptHandle): string => JSON.stringify({ prompt_id: h.promptId, client_id: h.clientId });

export function decodeHandle(handle: string): PromptHandle {
  let data: { prompt_id?: unknown; client_id?: unknown } | undefined;
  try {
    data = JSON.parse(handle);
  } catch {
    data = undefined;
  }
  if (typeof data?.prompt_id !== 'string' || typeof data.client_id !== 'string') {
    throw new GatewayError('upstream_error', `The task's upstream id is not a ${COMFYUI} prompt of this gateway.`, { retryable: false });
  }
  return { promptId: data.prompt_id, clientId: data.client_id };
}
