/**
 * ComfyUI as an asynchronous upstream (upstream-job.ts runs the life cycle): submit uploads the input images
 * and queues the bound workflow; check asks `/history` (then `/queue`) where the prompt stands and fetches
 * the saved images through `/view`; waitForNews listens on the websocket; cancel takes a waiting prompt
 * out of the queue, or interrupts it if it is the one running.
 */
import { randomInt } from 'node:crypto';
import type { CallContext, Route } from '../../domain/adapter.js';
import { GatewayError } from '../../domain/errors.js';
import type { GeneratedImage, ImageJob, ImageMime, ImageResult } from '../../domain/job.js';
import { MIME_OF_EXTENSION } from '../../domain/job.js';
import { sniffImageType } from '../../media/image-input.js';
import { callUpstream } from '../http.js';
import { jobEnded, type PollSchedule, type SubmittedJob, type UpstreamJobCheck, type UpstreamJobProtocol } from '../upstream-job.js';
import { bindWorkflow, declaredSteps, type Uploaded } from './bind.js';
import { forgotten, malformed, promptError, statusError } from './errors.js';
import { decodeHandle, encodeHandle, type PromptHandle } from './handle.js';
import { queuePlace, readHistory } from './history.js';
import { COMFYUI, SCHEDULE, SEED_RANGE, SOCKET_WAIT_MS } from './mapping.js';
import {
  deleteFromQueueRequest,
  historyRequest,
  interruptRequest,
  type OutputImage,
  promptRequest,
  queueRequest,
  uploadRequest,
  viewRequest,
} from './request.js';
import type { PromptSockets } from './socket.js';
import { templateOf, type WorkflowTemplate } from './workflow.js';

type Call = Pick<CallContext, 'signal' | 'deadline'>;

export interface ComfyUIProtocolDeps {
  /** The gateway's client id on every host: the websocket of this id hears of the prompts it queues. */
  clientId: string;
  sockets: PromptSockets;
  schedule?: Partial<PollSchedule>;
  /** A seed for a bound `seed` the client left out. */
  randomSeed?: () => number;
}

/** The route's template; checkRoute vouched for it at start, so a problem here is the operator's. */
export function templateFor(route: Route): WorkflowTemplate {
  const t = templateOf(route);
  if (typeof t === 'string') {
    throw new GatewayError('upstream_error', `${COMFYUI} route ${route.id} is misconfigured: ${t}. The operator must fix the catalog.`, { retryable: true });
  }
  return t;
}

async function upload(route: Route, job: ImageJob, t: WorkflowTemplate, ctx: Call): Promise<Uploaded> {
  const uploaded: Uploaded = {};
  const sources = [
    ['image', job.images[0]],
    ['mask', job.mask],
  ] as const;
  for (const [name, img] of sources) {
    if (!img || !t.bindings.has(name)) continue;
    const res = await callUpstream(COMFYUI, uploadRequest(route, img, `imagegate-${job.requestId}-${name}`), ctx);
    if (res.status !== 200) throw statusError(res);
    const reply = res.json<{ name?: unknown; subfolder?: unknown }>();
    if (typeof reply?.name !== 'string') throw malformed('upload answer');
    uploaded[name] = typeof reply.subfolder === 'string' && reply.subfolder !== '' ? `${reply.subfolder}/${reply.name}` : reply.name;
  }
  return uploaded;
}

function mimeOf(img: OutputImage, contentType: string | undefined, bytes: Buffer): ImageMime {
  const declared = contentType?.split(';')[0]?.trim().toLowerCase();
  const byName = MIME_OF_EXTENSION[img.filename.split('.').pop()?.toLowerCase() ?? ''];
  const mime = sniffImageType(bytes) ?? byName ?? (declared?.startsWith('image/') ? (declared as ImageMime) : undefined);
  if (!mime) throw new GatewayError('upstream_error', `${COMFYUI} saved ${img.filename}, which is not an image the gateway can serve.`, { retryable: false });
  return mime;
}

async function fetchImages(route: Route, images: readonly OutputImage[], ctx: Call): Promise<GeneratedImage[]> {
  const out: GeneratedImage[] = [];
  for (const img of images) {
    const res = await callUpstream(COMFYUI, viewRequest(route, img), ctx);
    if (res.status !== 200) throw statusError(res);
    out.push({ payload: { kind: 'bytes', bytes: res.body, mime: mimeOf(img, res.header('content-type'), res.body) } });
  }
  return out;
}

export function comfyUIProtocol(deps: ComfyUIProtocolDeps): UpstreamJobProtocol {
  const { clientId, sockets } = deps;
  const randomSeed = deps.randomSeed ?? (() => randomInt(0, SEED_RANGE));

  async function history(route: Route, handle: PromptHandle, t: WorkflowTemplate, ctx: Call) {
    const res = await callUpstream(COMFYUI, historyRequest(route, handle.promptId), ctx);
    if (res.status !== 200) throw statusError(res);
    try {
      return readHistory(res.json(), handle.promptId, t.outputNode);
    } catch (e) {
      // The prompt failed or was interrupted: nothing more to hear about it.
      sockets.forget(route, handle.clientId, handle.promptId);
      throw e;
    }
  }

  async function place(route: Route, promptId: string, ctx: Call) {
    const res = await callUpstream(COMFYUI, queueRequest(route), ctx);
    if (res.status !== 200) throw statusError(res);
    return queuePlace(res.json(), promptId);
  }

  async function finish(route: Route, job: ImageJob, promptId: string, saved: readonly OutputImage[], ctx: Call): Promise<ImageResult> {
    if (saved.length === 0) {
      throw jobEnded(
        new GatewayError(
          'upstream_error',
          `${COMFYUI} finished prompt ${promptId} without saving an image: the model's workflow needs a SaveImage node (or the route's output_node).`,
          { retryable: false },
        ),
      );
    }
    // A workflow that saves more than asked (two SaveImage nodes) answers with the first n; output_node picks one.
    const images = await fetchImages(route, saved.slice(0, job.n), ctx);
    return { images, failedCount: Math.max(0, job.n - images.length), upstreamRequestId: promptId };
  }

  return {
    who: COMFYUI,
    schedule: { ...SCHEDULE, ...deps.schedule },

    async submit(job, route, ctx): Promise<SubmittedJob> {
      const t = templateFor(route);
      // Listening before the prompt is queued: the socket then hears its progress from the first step.
      try {
        await sockets.listen(route, clientId, SOCKET_WAIT_MS, ctx.signal);
        const uploaded = await upload(route, job, t, ctx);
        const graph = bindWorkflow(t, job, uploaded, randomSeed);
        const res = await callUpstream(COMFYUI, promptRequest(route, graph, clientId), ctx);
        if (res.status !== 200) throw promptError(res, t);
        const reply = res.json<{ prompt_id?: unknown }>();
        if (typeof reply?.prompt_id !== 'string' || reply.prompt_id === '') throw malformed('answer to the queued prompt (no prompt_id)');
        return { handle: encodeHandle({ promptId: reply.prompt_id, clientId }) };
      } catch (e) {
        sockets.unlisten(route, clientId);
        throw e;
      }
    },

    async check(handle, job, route, ctx): Promise<UpstreamJobCheck> {
      const prompt = decodeHandle(handle);
      const { promptId, clientId: queuedAs } = prompt;
      const t = templateFor(route);
      // Progress is reported from the socket as it arrives (socket.ts): a figure returned here would be older.
      sockets.weigh(route, queuedAs, promptId, () => declaredSteps(bindWorkflow(t, job, {}, () => 0)));
      let seen = await history(route, prompt, t, ctx);
      if (seen.state === 'absent') {
        if ((await place(route, promptId, ctx)) !== 'absent') return { state: 'waiting' };
        // It may have finished between the two looks: the history has it then.
        seen = await history(route, prompt, t, ctx);
        if (seen.state === 'absent') {
          sockets.forget(route, queuedAs, promptId);
          throw forgotten(promptId);
        }
      }
      sockets.forget(route, queuedAs, promptId);
      return { state: 'done', result: await finish(route, job, promptId, seen.images, ctx) };
    },

    waitForNews(handle, ms, route, ctx) {
      const { promptId, clientId: queuedAs } = decodeHandle(handle);
      return sockets.waitForNews(route, queuedAs, promptId, ms, ctx.signal, ctx.onProgress?.bind(ctx));
    },

    async cancel(handle, route, call) {
      const { promptId } = decodeHandle(handle);
      const where = await place(route, promptId, call);
      // Interrupting is only for our prompt: /interrupt on an older ComfyUI stops whatever is running.
      const req = where === 'pending' ? deleteFromQueueRequest(route, promptId) : where === 'running' ? interruptRequest(route, promptId) : undefined;
      if (!req) return;
      const res = await callUpstream(COMFYUI, req, call);
      if (res.status !== 200) throw statusError(res);
    },
  };
}
