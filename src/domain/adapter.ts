import type { ModelSpec, RouteOptionValue } from './model-spec.js';
import type { ImageJob, ImageResult, PartialImage, ResultDelta } from './job.js';

/**
 * What the catalog states about the model a route serves: its sizes, fields with their allowed values, n,
 * and per operation the image limits. Adapters read model facts from here and keep only how to say them
 * upstream (endpoints, field names, size translations), so each fact lives once: in the catalog YAML, or
 * in the operator's overlay for a model of their own.
 */
export type ModelFacts = Readonly<Pick<ModelSpec, 'sizes' | 'fields' | 'n' | 'operations'>>;

/**
 * Which of its provider's credential variables a route's secret came from: the API key (`key_env`), or a
 * bearer token (`token_env`, such as a Microsoft Entra token for Azure OpenAI). Adapters of providers that
 * take only one kind never see the other. `none`: a keyless route of a provider whose key is optional
 * (ProviderSpec.key_optional); its `apiKey` is empty and no credential is sent.
 */
export type CredentialKind = 'api-key' | 'bearer-token' | 'none';

/** One concrete way to reach a model: a provider, its endpoint and credentials, and the upstream model name. */
export interface Route {
  /** Stable id for circuit-breaker bookkeeping, e.g. `openai#0`. */
  id: string;
  provider: string;
  baseUrl: string;
  /** The credential's value; `credential` says which kind it is, and so how the adapter must present it. */
  apiKey: string;
  credential: CredentialKind;
  upstreamModel: string;
  /** The catalog's facts about the model this route serves. */
  model: ModelFacts;
  priority: number;
  weight: number;
  /** Adapter-specific route settings from the catalog (each adapter documents the ones it reads). */
  options: Readonly<Record<string, RouteOptionValue>>;
}

export interface CallContext {
  /** Aborted on deadline or client disconnect; adapters pass it to every upstream call. */
  signal: AbortSignal;
  /** Absolute deadline (ms since epoch) for the whole upstream exchange, polling included. */
  deadline: number;
  requestId: string;
  /**
   * Where upstream bodies are read into, when the caller lends buffers that it takes back once its answer is
   * written; without it, each body is a fresh buffer.
   */
  bodies?: { take(length: number): Buffer };
  /**
   * For upstreams that only take image URLs: returns a short-lived, signed public URL at which the gateway
   * serves these bytes.
   */
  publishInput?: (bytes: Buffer, mime: string) => Promise<string>;
  /** Called with the upstream task id once an asynchronous upstream accepted the job (persisted for restarts). */
  onUpstreamTask?: (upstreamTaskId: string) => void | Promise<void>;
  /**
   * Told how far an asynchronous upstream job has come, in whole percent (0–99; done is 100), when the
   * upstream says (providers/upstream-job.ts): a task shows it in its `progress`.
   */
  onProgress?: (percent: number) => void;
  /** Called as an upstream job starts, its provider slot granted (pipeline/provider-slots.ts): until then it may be handed back. */
  onUpstreamStart?: () => void;
  /**
   * Set when the client reads the answer as a stream (chat `stream: true`). An adapter whose upstream can
   * stream reports each piece here as it arrives, and still resolves with the whole ImageResult; adapters
   * that cannot stream ignore it and the pieces go out when the result does. Once a piece went out, a
   * failure is final (pipeline/dispatch.ts tries nothing else).
   */
  onDelta?: (delta: ResultDelta) => void;
  /**
   * Set when the client reads an image stream that asked for partial images (ImageJob.stream). An adapter
   * whose upstream sends previews reports each here as it arrives; once one went out, a failure is final,
   * as for onDelta.
   */
  onPartialImage?: (partial: PartialImage) => void;
  /**
   * Set when the first image's base64 text can go somewhere while it is still arriving: to the client of a
   * synchronous b64_json reply in the OpenAI images shape, or into the blob store for a url reply. An
   * adapter whose upstream body holds that image as a JSON string may hand its raw contents over piece by
   * piece, and still resolves with the whole ImageResult, that image's payload `passed-through`. Adapters
   * that cannot ignore it.
   */
  passThrough?: PassThroughSink;
}

/**
 * Where a passed-through image goes: the client (server/pass-through-reply.ts), whose first write commits
 * the answer, or the blob store (pipeline/blob-sink.ts), which commits nothing until the image is whole.
 */
export interface PassThroughSink {
  /** True once the client has part of the answer: a failure from then on is final (pipeline/dispatch.ts). */
  readonly started: boolean;
  /** Queues the piece; a promise when the sink must catch up before more is read (backpressure). */
  write(piece: Buffer): Promise<unknown> | undefined;
  /**
   * A new upstream answer begins (a retry, another route), of `answerBytes` when its length is declared:
   * what earlier answers wrote is dropped. Only a sink that never `started` can see a second answer.
   */
  restart?(answerBytes?: number): void;
}

export type UpstreamTaskState =
  | { state: 'pending' | 'running'; progress?: number }
  | { state: 'succeeded'; result: ImageResult }
  | { state: 'failed'; error: Error }
  | { state: 'canceled' };

export interface ProviderAdapter {
  readonly name: string;
  /**
   * Pure check, no I/O, run before any money is held: throws a 400 GatewayError naming the field when the
   * job cannot be represented exactly upstream (e.g. a size with no matching aspect ratio). generate() may
   * assume it passed.
   */
  validate?(job: ImageJob, route: Route): void;
  /**
   * Pure check of a configured route's catalog settings (its `options`), run once at start: a problem (an
   * option value the adapter cannot use) stops the start naming the route, instead of failing requests later.
   */
  checkRoute?(route: Route): string | undefined;
  /**
   * Run the job to completion (for task-style upstreams: submit and poll until the deadline).
   * Throws GatewayError with a mapped code; `retryable` marks failures another try may fix.
   */
  generate(job: ImageJob, route: Route, ctx: CallContext): Promise<ImageResult>;
  /** Task-style upstreams: resume polling a task created before a restart. */
  resume?(upstreamTaskId: string, job: ImageJob, route: Route, ctx: CallContext): Promise<ImageResult>;
  /**
   * Hosts that queue work (ComfyUI): how many jobs the route's host has running and waiting. Among routes of
   * one priority the pipeline prefers the shortest queue (pipeline/queue-depths.ts). Throws when the host
   * cannot say; the route then goes after those that could.
   */
  queueDepth?(route: Route, signal: AbortSignal): Promise<number>;
  /** Task-style upstreams: best-effort cancel of an upstream task. */
  cancel?(upstreamTaskId: string, route: Route, signal: AbortSignal): Promise<void>;
}
