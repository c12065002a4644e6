/**
 * A Replicate prediction object → one look at the job (Replicate's HTTP API reference, "predictions.get").
 * `status` is starting or processing while it runs (progress read from `logs`, where the model prints
 * tqdm-style bars such as ` 45%|████▌     | 9/20`), then succeeded, failed, canceled or aborted. A succeeded
 * prediction's `output` is one file or a list of them, each an HTTPS URL on Replicate's delivery host
 * (short-lived: the pipeline downloads and re-hosts it) or, as Replicate may answer a `Prefer: wait` create,
 * a `data:` URI. The safety checker drops refused images from the list: fewer images than asked are counted
 * as failed, and not charged.
 */
import type { ImageJob, ImageMime, ImageResult, GeneratedImage } from '../../domain/job.js';
import { MIME_OF_EXTENSION } from '../../domain/job.js';
import { jobEnded, type UpstreamJobCheck } from '../upstream-job.js';
import { malformed, predictionAborted, predictionCanceled, predictionFailure } from './errors.js';
import { REPLICATE } from './mapping.js';
import { GatewayError } from '../../domain/errors.js';

export interface Prediction {
  id?: unknown;
  status?: unknown;
  output?: unknown;
  error?: unknown;
  logs?: unknown;
  data_removed?: unknown;
}

/** The last tqdm-style percentage in the logs (`  76%|█████   | 7568/10000 [...]`), as the official SDK reads it. */
export function progressFromLogs(logs: unknown): number | undefined {
  if (typeof logs !== 'string') return undefined;
  const lines = logs.split(/\r?\n|\r/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^\s*(\d{1,3})%\s*\|/.exec(lines[i]!);
    if (m) return Math.min(100, Number(m[1]));
  }
  return undefined;
}

const DATA_URI = /^data:(image\/[a-z0-9.+-]+)(?:;[^;,]*)*;base64,/i;

function imageOf(file: unknown, id: string): GeneratedImage {
  if (typeof file !== 'string' || file === '') throw malformed(`output holds ${JSON.stringify(file)?.slice(0, 40)}, not a file URL`, id);
  const data = DATA_URI.exec(file);
  if (data) {
    const mime = data[1]!.toLowerCase().replace('image/jpg', 'image/jpeg') as ImageMime;
    return { payload: { kind: 'b64', b64: file.slice(data[0].length), mime } };
  }
  let url: URL;
  try {
    url = new URL(file);
  } catch {
    throw malformed('an output file is neither a URL nor a data URI', id);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw malformed(`an output file is a ${url.protocol} URL`, id);
  const extension = url.pathname.match(/\.([a-z0-9]+)$/i)?.[1]?.toLowerCase();
  const mime = extension === 'jpg' ? 'image/jpeg' : extension ? MIME_OF_EXTENSION[extension] : undefined;
  return { payload: { kind: 'remote', url: file, ...(mime ? { mime } : {}) } };
}

function succeeded(p: Prediction, id: string, job: Pick<ImageJob, 'n'>): ImageResult {
  if (p.data_removed === true) {
    throw jobEnded(
      new GatewayError('upstream_error', `${REPLICATE} already removed the output of prediction ${id}.`, { retryable: false, upstreamRequestId: id }),
    );
  }
  const files = p.output === null || p.output === undefined ? [] : Array.isArray(p.output) ? p.output : [p.output];
  const images = files.map((f) => imageOf(f, id));
  if (images.length === 0) {
    throw jobEnded(
      new GatewayError('upstream_error', `${REPLICATE} prediction ${id} succeeded without an image.`, { retryable: false, upstreamRequestId: id }),
    );
  }
  return { images, failedCount: Math.max(0, job.n - images.length), upstreamRequestId: id };
}

/** What a prediction object says about the job: still running (with progress), or its result; an end without one is thrown. */
export function checkOf(body: unknown, job: Pick<ImageJob, 'n'>): UpstreamJobCheck {
  if (!body || typeof body !== 'object') throw malformed('the prediction is not a JSON object');
  const p = body as Prediction;
  const id = typeof p.id === 'string' ? p.id : 'unknown';
  switch (p.status) {
    case 'succeeded':
      return { state: 'done', result: succeeded(p, id, job) };
    case 'failed':
      throw jobEnded(predictionFailure(id, p.error));
    case 'canceled':
      throw jobEnded(predictionCanceled(id));
    case 'aborted':
      throw jobEnded(predictionAborted(id));
    case 'processing': {
      const progress = progressFromLogs(p.logs);
      return progress === undefined ? { state: 'waiting' } : { state: 'waiting', progress };
    }
    default:
      // starting, or a status newer than this code: still running as far as anyone can tell.
      return { state: 'waiting' };
  }
}
