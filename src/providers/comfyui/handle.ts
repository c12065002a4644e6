/**
 * The persisted upstream id of a ComfyUI job: the prompt id and the client id it was queued under (the
 * websocket of that id hears of its progress, after a restart too). No secret: the host is the route's.
 */
import { GatewayError } from '../../domain/errors.js';
import { decodeJobHandle, encodeJobHandle } from '../job-handle.js';
import { COMFYUI } from './mapping.js';

export interface PromptHandle {
  promptId: string;
  clientId: string;
}

const unusable = (why: string) => new GatewayError('upstream_error', `The ${COMFYUI} prompt cannot be followed: ${why}.`, { retryable: false });

export const encodeHandle = (h: PromptHandle): string => encodeJobHandle({ prompt_id: h.promptId, client_id: h.clientId }, unusable);

export function decodeHandle(handle: string): PromptHandle {
  const { prompt_id, client_id } = decodeJobHandle(handle, unusable);
  if (typeof prompt_id !== 'string' || typeof client_id !== 'string') throw unusable('its stored handle lacks the prompt id or client id');
  return { promptId: prompt_id, clientId: client_id };
}
