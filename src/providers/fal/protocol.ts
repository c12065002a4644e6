/**
 * fal.ai's queue as an UpstreamJobProtocol (fal's Queue API reference): `POST queue.fal.run/{model id}`
 * answers the request's id and its status, response and cancel URLs; the status (`?logs=1`) goes IN_QUEUE →
 * IN_PROGRESS → COMPLETED; the output is then read from the response URL, and a request is cancelled with a
 * PUT to its cancel URL. Output images are fal-hosted URLs, returned as remote payloads the pipeline hosts.
 */
import type { CallContext, Route } from '../../domain/adapter.js';
import { GatewayError } from '../../domain/errors.js';
import type { ImageJob, InputImage, JsonValue } from '../../domain/job.js';
import { callUpstream, errorForStatus, type UpstreamResponse } from '../http.js';
import { jobEnded, type PollSchedule, type SubmittedJob, type UpstreamJobCheck, type UpstreamJobProtocol } from '../upstream-job.js';
import { malformed, requestErrorType, toError } from './errors.js';
import { decodeHandle, type FalHandle, handleOfSubmit } from './handle.js';
import { FAL, QUEUE_STATUS } from './mapping.js';
import { type FalPlan, planJob } from './plan.js';
import { cancelRequest, responseRequest, statusRequest, submitRequest } from './request.js';
import { progressOfLogs, type StatusReply, toResult } from './response.js';

/** fal's clients poll every 0.5 s; growing to 5 s keeps a long queue cheap to watch. */
export const FAL_SCHEDULE: PollSchedule = { initialMs: 500, maxMs: 5000, growEvery: 4, maxPollFailures: 3 };

/** fal reads file inputs from URLs, data URIs included: the bytes the gateway holds go as one, no public URL needed. */
const dataUri = (img: InputImage) => `data:${img.mime};base64,${img.bytes.toString('base64')}`;

function inputWithImages(job: ImageJob, plan: FalPlan): Record<string, JsonValue> {
  const input = { ...plan.input };
  const { map } = plan;
  if (job.images.length) {
    if (map.images) input[map.images] = job.images.map(dataUri);
    else if (map.image) input[map.image] = dataUri(job.images[0]!);
  }
  if (job.mask && map.mask) input[map.mask] = dataUri(job.mask);
  return input;
}

/** The inputs a request for this job carries: every one came from the client's request. */
function sentInputs(job: ImageJob, plan: FalPlan): Set<string> {
  const sent = new Set(Object.keys(plan.input));
  const images = plan.map.images ?? plan.map.image;
  if (job.images.length && images) sent.add(images);
  if (job.mask && plan.map.mask) sent.add(plan.map.mask);
  return sent;
}

const requestIdOf = (res: UpstreamResponse, handle: FalHandle) => res.header('x-fal-request-id') ?? handle.requestId;

const notFound = (handle: FalHandle) =>
  // Nothing will come of this request, and nothing was produced: a fresh attempt is safe.
  jobEnded(
    new GatewayError('upstream_error', `${FAL} does not know request ${handle.requestId} (it expired or the id is wrong).`, {
      retryable: true,
      details: { upstream_task_id: handle.requestId },
    }),
  );

/** A failure answering for the request's own end (its input refused, its output moderated), not for the look. */
const endsTheJob = (status: number) => status >= 400 && status < 500 && ![401, 403, 408, 429].includes(status);

async function output(handle: FalHandle, job: ImageJob, route: Route, ctx: CallContext): Promise<UpstreamJobCheck> {
  const res = await callUpstream(FAL, responseRequest(route, handle), ctx);
  if (res.status !== 200) {
    // fal's error_type is its word on how the request ended; without one, a 5xx may be the look's own failure.
    const type = requestErrorType(res);
    if (type === 'client_cancelled') {
      throw jobEnded(new GatewayError('upstream_error', `The ${FAL} request ${handle.requestId} was cancelled upstream.`, { retryable: false }));
    }
    const plan = planJob(job, route);
    const e = toError(res, plan.map, sentInputs(job, plan));
    throw type !== undefined || endsTheJob(res.status) ? jobEnded(e) : e;
  }
  try {
    return { state: 'done', result: toResult(res.json(), requestIdOf(res, handle)) };
  } catch (e) {
    throw e instanceof GatewayError && e.code === 'content_policy_violation' ? jobEnded(e) : e;
  }
}

export const falProtocol = (schedule: PollSchedule = FAL_SCHEDULE): UpstreamJobProtocol => ({
  who: FAL,
  schedule,
  async submit(job: ImageJob, route: Route, ctx: CallContext): Promise<SubmittedJob> {
    const plan = planJob(job, route);
    const res = await callUpstream(FAL, submitRequest(route, plan.modelId, inputWithImages(job, plan)), ctx);
    if (res.status !== 200 && res.status !== 202) throw toError(res, plan.map, sentInputs(job, plan));
    return { handle: handleOfSubmit(res.json<Record<string, unknown>>(), route) };
  },
  async check(handleText: string, job: ImageJob, route: Route, ctx: CallContext): Promise<UpstreamJobCheck> {
    const handle = decodeHandle(handleText, route);
    const res = await callUpstream(FAL, statusRequest(route, handle), ctx);
    if (res.status === 404) throw notFound(handle);
    if (res.status !== 200 && res.status !== 202) throw errorForStatus(FAL, res, undefined);
    const reply = res.json<StatusReply>();
    if (typeof reply !== 'object' || reply === null) throw malformed('the request status is not an object');
    if (reply.status === QUEUE_STATUS.completed) {
      if (typeof reply.error === 'string' && reply.error !== '') {
        throw jobEnded(new GatewayError('upstream_error', `The ${FAL} request ${handle.requestId} failed: ${reply.error}`, { retryable: false }));
      }
      return output(handle, job, route, ctx);
    }
    const progress = reply.status === QUEUE_STATUS.running ? progressOfLogs(reply.logs) : undefined;
    return progress === undefined ? { state: 'waiting' } : { state: 'waiting', progress };
  },
  async cancel(handleText: string, route: Route, call: { signal: AbortSignal; deadline: number }): Promise<void> {
    const handle = decodeHandle(handleText, route);
    const res = await callUpstream(FAL, cancelRequest(route, handle), call);
    if (res.status === 200 || res.status === 202) return;
    if (res.status === 400) {
      throw new GatewayError('upstream_error', `${FAL} request ${handle.requestId} could not be cancelled: it has already completed.`, { retryable: false });
    }
    if (res.status === 404) throw notFound(handle);
    throw errorForStatus(FAL, res, undefined);
  },
});
