/**
 * One Imagen `:predict` exchange, for either API: the request is built by the adapter (where, with which
 * credentials), the answer read here. One call makes all n images.
 */
import { parseImagesJson } from '../lifted-json.js';
import type { CallContext } from '../../domain/adapter.js';
import type { ImageResult } from '../../domain/job.js';
import { callUpstream, type UpstreamRequest } from '../http.js';
import { imagenError } from './errors.js';
import type { ImagenPlan } from './plan.js';
import { type PredictResponse, readPredictions } from './response.js';

export async function predict(who: string, request: UpstreamRequest, plan: ImagenPlan, ctx: CallContext): Promise<ImageResult> {
  const res = await callUpstream(who, request, ctx);
  if (res.status !== 200) throw imagenError(who, res);
  // Each image's base64 is lifted out as bytes, never parsed into a string.
  const body = parseImagesJson<PredictResponse>(who, res.body, 'bytesBase64Encoded');
  return readPredictions(who, body, plan.parameters.sampleCount, plan.outputSize, res.header('x-request-id'));
}
