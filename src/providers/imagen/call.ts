/**
 * One Imagen `:predict` exchange, for either API: the request is built by the adapter (where, with which
 * credentials), the answer read here. One call makes all n images.
 */
import { GatewayError } from '../../domain/errors.js';
import { LIFT_IMAGES_FROM_CHARS, parseLifting } from '../../bytes/index.js';
import type { CallContext } from '../../domain/adapter.js';
import type { ImageResult } from '../../domain/job.js';
import { callUpstream, type UpstreamRequest } from '../http.js';
import { imagenError } from './errors.js';
import type { ImagenPlan } from './plan.js';
import { type PredictResponse, readPredictions } from './response.js';

export async function predict(who: string, request: UpstreamRequest, plan: ImagenPlan, ctx: CallContext): Promise<ImageResult> {
  const res = await callUpstream(who, request, ctx);
  if (res.status !== 200) throw imagenError(who, res);
  let body: PredictResponse;
  try {
    // Each image's base64 is lifted out as bytes (bytes/json-bytes.ts), never parsed into a string.
    body = parseLifting(res.body, 'bytesBase64Encoded', { minLength: LIFT_IMAGES_FROM_CHARS }) as PredictResponse;
  } catch (e) {
    throw new GatewayError('upstream_error', `${who} returned a malformed response body.`, { retryable: true, cause: e });
  }
  return readPredictions(who, body, plan.parameters.sampleCount, plan.outputSize, res.header('x-request-id'));
}
