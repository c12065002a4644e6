/**
 * ComfyUI's server API as data (ComfyUI server.py; script_examples/websockets_api_example.py): its paths, the
 * route options this adapter reads, the names a binding may take, and how often a job is looked at.
 */
import type { PollSchedule } from '../upstream-job.js';

export const COMFYUI = 'ComfyUI';

/** Route options read. */
export const OPTION = {
  /** Path of the workflow template (API-format JSON), absolute or from the gateway's working directory. */
  workflow: 'workflow',
  /** Name → "<node>.inputs.<input>". */
  bindings: 'bindings',
  /** The node whose images answer (default: every node's saved images). */
  outputNode: 'output_node',
} as const;

/**
 * Bindings filled from the job itself. Any other binding name is a request field of the same name
 * (`negative_prompt`, `seed`, `steps`, `cfg`, …) that the model's contract admits.
 */
export const JOB_BINDINGS = ['prompt', 'n', 'width', 'height', 'image', 'mask'] as const;
export type JobBinding = (typeof JOB_BINDINGS)[number];

/** A seed the client did not choose is drawn at random (as ComfyUI's UI does): the same graph twice would be answered from ComfyUI's cache. */
export const SEED_RANGE = 2 ** 48 - 1;

export const PATH = {
  prompt: '/prompt',
  history: (promptId: string) => `/history/${encodeURIComponent(promptId)}`,
  queue: '/queue',
  view: '/view',
  upload: '/upload/image',
  interrupt: '/interrupt',
  socket: '/ws',
} as const;

/**
 * `/history` is the source of truth; the websocket only says when to look. A job is looked at after 0.5 s,
 * the wait doubling every 4 looks up to 3 s, so a host whose socket is down is still followed closely.
 */
export const SCHEDULE: PollSchedule = { initialMs: 500, maxMs: 3000, growEvery: 4, maxPollFailures: 3 };

/**
 * How long a submit waits for the websocket to open before queueing the prompt anyway: a socket that is
 * refused fails at once, so the wait only runs out on a host that is slow to answer at all.
 */
export const SOCKET_WAIT_MS = 1000;

/** How long a queue-length look may take before the host counts as unknown. */
export const QUEUE_LOOK_MS = 1500;
