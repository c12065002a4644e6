/** An upstream's JSON answer read with each image's base64 lifted out as bytes (bytes/json-bytes.ts). */
import { LIFT_IMAGES_FROM_CHARS, parseLifting } from '../bytes/index.js';
import { GatewayError } from '../domain/errors.js';

/** The body parsed, every `field` string long enough to be an image kept as bytes; a body that is not JSON is a retryable 502. */
export function parseImagesJson<T>(who: string, body: Buffer, field: string): T {
  try {
    return parseLifting(body, field, { minLength: LIFT_IMAGES_FROM_CHARS }) as T;
  } catch (e) {
    throw new GatewayError('upstream_error', `${who} returned a malformed response body.`, { retryable: true, cause: e });
  }
}
