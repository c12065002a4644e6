/**
 * The ComfyUI adapter: the operator's own GPUs running ComfyUI (github.com/comfyanonymous/ComfyUI, server.py),
 * each model a workflow template with bindings from the canonical job to node inputs (workflow.ts, bind.ts),
 * followed as an asynchronous upstream (protocol.ts on upstream-job.ts: resume after a restart, cancel, the
 * hand-over of a sync request that outlives its deadline) with real progress from the websocket.
 *
 * Route options read: `workflow` (the template file), `bindings` (name → "<node>.inputs.<input>"),
 * `output_node` (optional: the node whose images answer). The route's `base_url` (or COMFYUI_URL) is the host;
 * a `key_env`, when set, goes as a bearer token (for a proxy in front of ComfyUI, which has no auth itself).
 *
 * queueDepth: the host's prompts running and waiting (`GET /prompt` → exec_info.queue_remaining), by which
 * the pipeline prefers the least busy of several hosts behind one model.
 */
import { randomUUID } from 'node:crypto';
import type { ProviderAdapter } from '../../domain/adapter.js';
import { callUpstream } from '../http.js';
import { upstreamJobAdapter } from '../upstream-job.js';
import { checkJob } from './bind.js';
import { malformed, statusError } from './errors.js';
import { COMFYUI, QUEUE_LOOK_MS } from './mapping.js';
import { type ComfyUIProtocolDeps, comfyUIProtocol, templateFor } from './protocol.js';
import { queueInfoRequest } from './request.js';
import { routeProblem } from './route-check.js';
import { PromptSockets } from './socket.js';

export interface ComfyUIAdapterOptions extends Partial<Omit<ComfyUIProtocolDeps, 'sockets'>> {}

export interface ComfyUIAdapter extends ProviderAdapter {
  /** Closes the websockets (tests; a process that stops needs nothing). */
  close(): void;
}

export function createComfyUIAdapter(options: ComfyUIAdapterOptions = {}): ComfyUIAdapter {
  const sockets = new PromptSockets();
  const protocol = comfyUIProtocol({ ...options, clientId: options.clientId ?? randomUUID(), sockets });
  const base = upstreamJobAdapter('comfyui', protocol, {
    checkRoute: routeProblem,
    validate(job, route) {
      checkJob(templateFor(route), job);
    },
  });
  return {
    ...base,
    async queueDepth(route, signal) {
      const res = await callUpstream(COMFYUI, queueInfoRequest(route), { signal, deadline: Date.now() + QUEUE_LOOK_MS });
      if (res.status !== 200) throw statusError(res);
      const remaining = res.json<{ exec_info?: { queue_remaining?: unknown } }>()?.exec_info?.queue_remaining;
      if (typeof remaining !== 'number' || remaining < 0) throw malformed('queue length');
      return remaining;
    },
    close: () => sockets.closeAll(),
  };
}
