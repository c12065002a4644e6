/**
 * The only place that sequences an image request:
 *   authorize model → check the contract → load inputs → limits → quote and hold → dispatch → deliver
 *   (b64 or hosted URL) → settle.
 * `prepare` does everything that can refuse the request before money is at stake (and takes the hold);
 * `execute` does the upstream work and refunds the hold on any failure; on success it hands the still-open
 * hold back with the amount to charge (billing/settlement.ts), and the caller settles it once. Sync requests
 * call both in turn; async tasks call `prepare` in the request and `execute` in a worker, which settles in
 * the transaction that finishes the task.
 */
import type { Catalog, CatalogModel } from '../catalog/catalog.js';
import type { GatewayConfig } from '../config/config.js';
import type { Hold } from '../billing/hold.js';
import { charge, quote } from '../billing/pricing.js';
import { Settlement } from '../billing/settlement.js';
import type { Transact, TxWork } from '../store/transact.js';
import type { BlobStore } from '../store/blobs.js';
import type { UrlSigner } from '../store/signed-url.js';
import { downloadResult } from './result-download.js';
import type { CallContext, PassThroughSink, ProviderAdapter, Route } from '../domain/adapter.js';
import { BlobSink } from './blob-sink.js';
import { type BufferLender, withDecoded } from '../bytes/index.js';
import { checkContract } from '../catalog/contract.js';
import { routesFor } from './route-choice.js';
import type { QueueDepths } from './queue-depths.js';
import { checkStream } from '../catalog/stream-contract.js';
import { modelNotFound } from '../catalog/unoffered.js';
import { type CircuitBreakers, dispatch, type UpstreamAttempt } from './dispatch.js';
import type { DraftRequest } from '../domain/draft.js';
import type { LimitsGate } from './limits-gate.js';
import { GatewayError, invalidRequest, toGatewayError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import {
  type Base64Text,
  EXTENSION_OF_MIME,
  type ImageJob,
  type ImageMime,
  type ImagePayload,
  type ImageResult,
  type InputImage,
  MIME_OF_EXTENSION,
} from '../domain/job.js';
import { sniffImageType } from '../media/image-input.js';
import type { Principal } from '../domain/principal.js';

export interface InputLoader {
  /** `accountId`: whose uploaded files the draft's file ids name. */
  load(
    draft: DraftRequest,
    model: CatalogModel,
    job: Pick<ImageJob, 'operation'>,
    ctx: { accountId: string; signal: AbortSignal },
  ): Promise<{ images: InputImage[]; mask?: InputImage }>;
}

export interface HoldOptions {
  /** The gateway process by default; async tasks own their hold themselves (`task:<id>`). */
  owner?: string;
  /** Written in the hold's transaction: a record that must exist exactly when the hold does (a task's row). */
  alongside?: (holdId: string) => TxWork<void>;
}

export interface Billing {
  hold(principal: Principal, job: ImageJob, amount: number, opts?: HoldOptions): Promise<Hold>;
  /** Transactions of the ledger's database, to write with a hold's close (Settlement) or instead of a hold. */
  transact: Transact;
  currency: string;
}

/** prepare() for an async task: the task owns the hold, and its row is written in the hold's transaction. */
export interface TaskToQueue {
  id: string;
  /**
   * The work that writes the task's row, given the checked job and its quote; it runs in the transaction
   * that takes the hold (holdId null: nothing is held, and it runs alone), so a crash leaves both or neither.
   */
  record(job: ImageJob, quoted: number): Promise<(holdId: string | null) => TxWork<void>>;
}

export interface PipelineDeps {
  config: GatewayConfig;
  catalog: Catalog;
  adapters: ReadonlyMap<string, ProviderAdapter>;
  breakers: CircuitBreakers;
  /** Queue lengths of hosts that report them (dispatch prefers the shortest within a priority). */
  queueDepths?: QueueDepths;
  billing: Billing;
  limits: LimitsGate;
  inputs: InputLoader;
  blobs: BlobStore;
  signer: UrlSigner;
  /** Told of every upstream attempt (metrics). */
  onUpstreamAttempt?: (attempt: UpstreamAttempt) => void;
}

export interface PreparedJob {
  job: ImageJob;
  model: CatalogModel;
  /** The model's routes that take this job (pipeline/route-choice.ts), in catalog order. */
  routes: Route[];
  principal: Principal;
  /** Undefined for free models and unbilled (admin) callers. */
  hold?: Hold;
  quoted: number;
  dropped: string[];
  /** Frees the caller's concurrency slot; idempotent. */
  release: () => Promise<void>;
  /** x-ratelimit-* headers for the response. */
  rateLimitHeaders: Record<string, string>;
  /** A text-only answer is a valid result (chat dialect). */
  acceptTextOnly: boolean;
}

export interface DeliveredImage {
  b64?: Base64Text;
  url?: string;
  /**
   * The image's text already went to the client as it arrived (ExecuteOptions.passThrough): the reply's
   * writer completes the reply around it.
   */
  passedThrough?: true;
  mime: ImageMime;
  revisedPrompt?: string;
  size?: string;
}

/** A delivered job whose charge is known: what the dialects render. */
export interface Delivery {
  job: ImageJob;
  model: CatalogModel;
  images: DeliveredImage[];
  result: ImageResult;
  route: Route;
  charged: number;
  billingTransactionId?: string;
  currency: string;
  created: number;
}

/** What execute() returns: the images are delivered, and the hold is still open for the caller to settle. */
export interface Execution extends Omit<Delivery, 'charged' | 'billingTransactionId'> {
  settlement: Settlement;
}

/** The delivery as rendered once `charged` is known: settled, or as it is settled with the task's outcome. */
export function delivered(e: Execution, charged: number): Delivery {
  const { settlement, ...rest } = e;
  return { ...rest, charged, billingTransactionId: settlement.billingTransactionId };
}

/** Settle an execution's hold now; the delivery with what was charged. */
export async function settleNow(e: Execution): Promise<Delivery> {
  return delivered(e, await e.settlement.settle());
}

export function resolveModel(catalog: Catalog, name: string | undefined, principal: Principal): CatalogModel {
  if (name === undefined || name === '') {
    throw invalidRequest('model', 'model is required. List the image models with GET /v1/models?recommended_for=image and send one as "model".');
  }
  const model = catalog.resolve(name);
  if (!model) throw modelNotFound(catalog, name);
  const allowed = principal.key.models;
  // A key that may use a model may use its dated snapshots: the same model, pinned.
  if (allowed && !allowed.includes(model.id) && !(model.snapshotOf && allowed.includes(model.snapshotOf))) {
    throw new GatewayError('MODEL_ACCESS_DENIED', `This API key may not use model "${model.id}". It may use: ${allowed.join(', ')}.`, { param: 'model' });
  }
  return model;
}

export async function prepare(
  deps: PipelineDeps,
  principal: Principal,
  draft: DraftRequest,
  requestId: string,
  signal: AbortSignal,
  /** For an async task: the task owns the hold and its images are hosted (async results are URL-oriented). */
  opts: { task?: TaskToQueue } = {},
): Promise<PreparedJob> {
  const { release, headers } = await deps.limits.admitRequest(principal);
  try {
    const model = resolveModel(deps.catalog, draft.model, principal);
    const dropUnsupported = deps.config.dropUnsupported || principal.key.dropUnsupported;
    const checked = checkContract(
      model,
      {
        operation: draft.operation,
        prompt: draft.prompt,
        n: draft.n,
        params: draft.params,
        textParams: draft.textParams,
        responseFormat: draft.responseFormat,
      },
      { dropUnsupported },
    );
    const streamed = checkStream(model, draft.imageStream, { dropUnsupported });
    const { images, mask } = await deps.inputs.load(draft, model, { operation: draft.operation }, { accountId: principal.accountId, signal });
    const job: ImageJob = {
      requestId,
      model: model.id,
      operation: draft.operation,
      prompt: checked.prompt,
      n: checked.n,
      params: checked.params,
      images,
      mask,
      responseFormat: opts.task ? 'url' : checked.responseFormat,
      user: draft.user,
      acceptTextOnly: draft.acceptTextOnly === true,
      ...(streamed.stream ? { stream: streamed.stream } : {}),
    };
    const routes = routesFor(model, job, deps.adapters);
    const imageHeaders = await deps.limits.admitImages(principal, job.n);
    const quoted = principal.isAdmin ? 0 : quote(model.spec.price, job);
    let hold: Hold | undefined;
    try {
      const recordTask = opts.task && (await opts.task.record(job, quoted));
      if (quoted > 0) hold = await deps.billing.hold(principal, job, quoted, opts.task ? { owner: `task:${opts.task.id}`, alongside: recordTask } : {});
      else if (recordTask) await deps.billing.transact({ write: () => recordTask(null) });
    } catch (e) {
      // Refused before any upstream call: the images admitted for it are not spent.
      await deps.limits.returnImages(principal, job.n);
      throw e;
    }
    return {
      job,
      model,
      routes,
      principal,
      hold,
      quoted,
      dropped: [...checked.dropped, ...streamed.dropped],
      release,
      rateLimitHeaders: { ...headers, ...imageHeaders },
      acceptTextOnly: draft.acceptTextOnly === true,
    };
  } catch (e) {
    await release();
    throw e;
  }
}

export interface ExecuteOptions {
  signal: AbortSignal;
  /** Buffers for upstream bodies, given back by the caller once the answer is written (bytes/body-pool.ts). */
  bodies?: BufferLender;
  /** Where an adapter may pass the first image through as it arrives (CallContext.passThrough). */
  passThrough?: PassThroughSink;
  /** Pieces of the answer for a client that reads a stream, as they arrive (CallContext.onDelta). */
  onDelta?: CallContext['onDelta'];
  /** Previews of the images while they are made, for a client that reads an image stream (CallContext.onPartialImage). */
  onPartialImage?: CallContext['onPartialImage'];
  /** Persist the upstream task id (and the route that owns it) as soon as an async upstream accepts the job. */
  onUpstreamTask?: (upstreamTaskId: string, routeId: string) => void | Promise<void>;
  /** How far an asynchronous upstream job has come (CallContext.onProgress). */
  onProgress?: CallContext['onProgress'];
  /** Called as the upstream work starts (a provider slot granted): until then the caller may still hand the job back. */
  onUpstreamStart?: () => void;
  /**
   * True for a task's worker: a failure leaves the hold open, because the task closes it itself, in the
   * transaction that ends the task and only while the worker still holds the task's lease. A worker that lost
   * its lease (taken over) or handed the job back must not return the money another worker is spending.
   */
  taskClosesHold?: true;
  /** Resume an upstream task created before a restart instead of submitting again. */
  resumeUpstreamTask?: { id: string; routeId: string };
  /**
   * Called when the time limit ran out while an upstream task was still running (`upstream_timeout`):
   * resolves true when it took the hold over (a task now finishes the upstream work and closes the hold),
   * false to have the hold refunded as for any other failure.
   */
  onTimeoutHandover?: (err: GatewayError, prepared: PreparedJob) => Promise<boolean>;
}

/**
 * Runs the upstream work. Any failure refunds the hold (once), unless a task closes it (taskClosesHold);
 * success leaves it open in the returned Execution's settlement, which the caller closes.
 */
export async function execute(deps: PipelineDeps, prepared: PreparedJob, opts: ExecuteOptions): Promise<Execution> {
  const { job, model, hold } = prepared;
  const deadline = Date.now() + model.spec.timeout_ms;
  // A hosted image is written to the blob store as it arrives, unless the caller streams it elsewhere.
  const blobSink = !opts.passThrough && job.responseFormat === 'url' ? new BlobSink(deps.blobs, deps.config.urlTtlSeconds) : undefined;
  try {
    const ctx: CallContext = {
      signal: opts.signal,
      deadline,
      requestId: job.requestId,
      bodies: opts.bodies,
      passThrough: opts.passThrough ?? blobSink,
      onDelta: opts.onDelta,
      onPartialImage: opts.onPartialImage,
      onUpstreamStart: opts.onUpstreamStart,
      onProgress: opts.onProgress,
      publishInput: (bytes, mime) => publish(deps, bytes, mime as ImageMime, 15 * 60),
    };
    let outcome: { result: ImageResult; route: Route };
    const resumeRoute = opts.resumeUpstreamTask && model.routes.find((r) => r.id === opts.resumeUpstreamTask!.routeId);
    const resumeAdapter = resumeRoute && deps.adapters.get(resumeRoute.provider);
    if (opts.resumeUpstreamTask && resumeRoute && resumeAdapter?.resume) {
      outcome = { result: await resumeAdapter.resume(opts.resumeUpstreamTask.id, job, resumeRoute, ctx), route: resumeRoute };
    } else {
      outcome = await dispatch(job, prepared.routes, ctx, {
        adapters: deps.adapters,
        providerSpec: (p) => deps.catalog.provider(p),
        breakers: deps.breakers,
        queueDepths: deps.queueDepths,
        onUpstreamTask: opts.onUpstreamTask,
        onAttempt: deps.onUpstreamAttempt,
      });
    }
    const { result, route } = outcome;
    if (result.images.length === 0 && !(prepared.acceptTextOnly && result.text)) {
      throw new GatewayError('no_image_generated', 'The model returned no image for this prompt. Nothing was charged; try rephrasing the prompt.', {
        upstreamRequestId: result.upstreamRequestId,
      });
    }
    const images = await deliver(deps, job, result.images, route, { signal: opts.signal, deadline, bodies: opts.bodies }, blobSink);
    return {
      job,
      model,
      images,
      result,
      route,
      settlement: new Settlement(hold, hold ? charge(model.spec.price, job, result, prepared.quoted) : 0, deps.billing.transact),
      currency: deps.billing.currency,
      created: Math.floor(Date.now() / 1000),
    };
  } catch (e) {
    // No link to a streamed image went out: its file goes with the request.
    await blobSink?.discard();
    const err = toGatewayError(e);
    // The upstream is still making the image: refunding would let a retry pay for it twice. A hook that
    // fails to take the hold over (database error) leaves it to the refund below.
    const handedOver = err.code === 'upstream_timeout' && opts.onTimeoutHandover ? await opts.onTimeoutHandover(err, prepared).catch(() => false) : false;
    if (!handedOver && !opts.taskClosesHold) await hold?.refund(`refunded: ${(e as Error).message?.slice(0, 200)}`);
    throw err;
  } finally {
    await prepared.release();
  }
}

async function publish(deps: PipelineDeps, bytes: Buffer, mime: ImageMime, ttl: number): Promise<string> {
  const blob = await deps.blobs.put(newId('img'), EXTENSION_OF_MIME[mime] ?? 'png', bytes, ttl);
  return deps.signer.urlFor(blob);
}

type Fetching = Pick<CallContext, 'signal' | 'deadline' | 'bodies'>;

async function materialize(
  payload: Exclude<ImagePayload, { kind: 'passed-through' }>,
  route: Route,
  fetching: Fetching,
): Promise<{ bytes?: Buffer; b64?: Base64Text; mime: ImageMime }> {
  if (payload.kind === 'b64') return { b64: payload.b64, mime: payload.mime };
  if (payload.kind === 'bytes') return { bytes: payload.bytes, mime: payload.mime };
  const res = await downloadResult(payload.url, route, fetching);
  // The bytes say what they are; a provider's Content-Type header is only the fallback.
  const declared = MIME_OF_EXTENSION[(res.contentType ?? '').split(';')[0]!.trim().replace('image/', '')];
  return { bytes: res.bytes, mime: sniffImageType(res.bytes) ?? payload.mime ?? declared ?? 'image/png' };
}

/**
 * Turn each image into what the client asked for, converting only when the forms differ. An image that was
 * streamed into the blob store as it arrived (`streamed`) is only finished.
 */
async function deliver(
  deps: PipelineDeps,
  job: ImageJob,
  images: ImageResult['images'],
  route: Route,
  fetching: Fetching,
  streamed?: BlobSink,
): Promise<DeliveredImage[]> {
  return Promise.all(
    images.map(async (img) => {
      if (img.payload.kind === 'passed-through') {
        const base = { mime: img.payload.mime, revisedPrompt: img.revisedPrompt, size: img.size };
        // Into the blob store it is only finished; to the client, its reply's writer writes the rest.
        return streamed ? { ...base, url: deps.signer.urlFor(await streamed.finish()) } : { ...base, passedThrough: true as const };
      }
      const m = await materialize(img.payload, route, fetching);
      const base = { mime: m.mime, revisedPrompt: img.revisedPrompt, size: img.size };
      if (job.responseFormat === 'b64_json') return { ...base, b64: m.b64 ?? m.bytes!.toString('base64') };
      const url = m.bytes
        ? await publish(deps, m.bytes, m.mime, deps.config.urlTtlSeconds)
        : await withDecoded(m.b64!, (bytes) => publish(deps, bytes, m.mime, deps.config.urlTtlSeconds), fetching.bodies);
      return { ...base, url };
    }),
  );
}
