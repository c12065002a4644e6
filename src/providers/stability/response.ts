/**
 * A Stability answer → ImageResult, in either kind the request asked for: the image's bytes with
 * `finish-reason` and `seed` headers (`accept: image/*`), or JSON `{image (base64), finish_reason, seed}`
 * (`accept: application/json`). CONTENT_FILTERED means moderation blurred or withheld the image: it is never
 * delivered, the request is a content_policy_violation.
 */
import { GatewayError } from '../../domain/errors.js';
import { type ImageMime, MIME_OF_FORMAT, type OutputFormat } from '../../domain/job.js';
import type { ImageResult } from '../../domain/job.js';
import type { UpstreamResponse } from '../http.js';
import { contentPolicyError, requestIdOf } from './errors.js';
import { type AnswerKind, DEFAULT_OUTPUT_FORMAT, FINISH, STABILITY } from './mapping.js';

interface StabilityJson {
  image?: unknown;
  finish_reason?: unknown;
  seed?: unknown;
}

const IMAGE_MIMES: ReadonlySet<string> = new Set(Object.values(MIME_OF_FORMAT));

function malformed(what: string, upstreamRequestId: string | undefined): GatewayError {
  return new GatewayError('upstream_error', `${STABILITY} returned a malformed response: ${what}.`, { retryable: true, upstreamRequestId });
}

function checkFinish(reason: unknown, upstreamRequestId: string | undefined): void {
  if (reason === FINISH.filtered) throw contentPolicyError('the generated image was filtered (finish reason CONTENT_FILTERED).', upstreamRequestId);
  if (reason === FINISH.error)
    throw new GatewayError('upstream_error', `${STABILITY} failed to make the image (finish reason ERROR).`, { retryable: true, upstreamRequestId });
}

const mimeOfFormat = (format: string | undefined): ImageMime => MIME_OF_FORMAT[(format ?? DEFAULT_OUTPUT_FORMAT) as OutputFormat] ?? 'image/png';

export function toResult(res: UpstreamResponse, kind: AnswerKind, outputFormat: string | undefined): ImageResult {
  const upstreamRequestId = requestIdOf(res);
  if (kind === 'image') {
    checkFinish(res.header('finish-reason'), upstreamRequestId);
    const type = (res.header('content-type') ?? '').split(';')[0]!.trim();
    if (!IMAGE_MIMES.has(type) || res.body.length === 0) throw malformed(`expected image bytes, got "${type || 'nothing'}"`, upstreamRequestId);
    return { images: [{ payload: { kind: 'bytes', bytes: res.body, mime: type as ImageMime } }], failedCount: 0, upstreamRequestId };
  }
  let body: StabilityJson;
  try {
    body = res.json<StabilityJson>();
  } catch {
    throw malformed('the body is not JSON', upstreamRequestId);
  }
  checkFinish(body?.finish_reason, upstreamRequestId);
  if (typeof body?.image !== 'string' || body.image === '') throw malformed('no image', upstreamRequestId);
  return { images: [{ payload: { kind: 'b64', b64: body.image, mime: mimeOfFormat(outputFormat) } }], failedCount: 0, upstreamRequestId };
}
