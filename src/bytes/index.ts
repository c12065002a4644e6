/**
 * The byte libraries behind one door: images and upstream bodies handled as bytes, never as big strings.
 * The rest of the gateway imports them from here; they import nothing else of the gateway.
 *
 * - base64 text held as bytes (`Base64Bytes`) and decoded without a string of it (`withDecoded`,
 *   `JsonBase64Decoder`, `base64Head`);
 * - JSON bodies whose image strings are lifted out on parsing (`parseLifting`) and spliced back into a
 *   reply (`serializeSpliced` → `SplicedBody`), in buffers with room around them (`withSpliceRoom`);
 * - one string of a JSON body read while it arrives (`StringTap`);
 * - pooled buffers for a request's bodies (`BodyLease`).
 */
export { Base64Bytes, type Base64Text, base64Head, base64String, decodeBase64, JsonBase64Decoder, withDecoded } from './base64.js';
export { BodyLease, type BufferLender } from './body-pool.js';
export { LIFT_IMAGES_FROM_CHARS, parseLifting, serializeSpliced, SplicedBody, withSpliceRoom } from './json-bytes.js';
export { type JsonPath, StringTap, TAPPED } from './json-tap.js';
