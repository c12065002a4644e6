/**
 * Image references in JSON bodies: OpenAI's `ImageRefParam` (`{image_url}` or `{file_id}`, exactly one), as
 * JSON edits take them in `images` and `mask`, and imagegate's `reference_file_ids` for image-to-image.
 * Each source is named for errors by the exact field it came in (`images[1].file_id`, `mask.image_url`).
 */
import type { ImageSource } from '../domain/draft.js';
import { invalidRequest } from '../domain/errors.js';

/** Longer than any file id this gateway issues; a longer one is refused, never looked up or echoed. */
export const FILE_ID_MAX_LENGTH = 64;
const FILE_ID = /^[A-Za-z0-9_-]+$/;

const SHAPE = '{"image_url": "<http(s) or data: URL>"} or {"file_id": "<id from POST /v1/files>"}';

/** A file id as sent in `field`, checked for its form (whether it names a file is the input loader's call). */
export function fileIdSource(value: unknown, field: string): ImageSource {
  if (typeof value !== 'string' || value.length > FILE_ID_MAX_LENGTH || !FILE_ID.test(value)) {
    throw invalidRequest(field, `${field} must be the id of an uploaded file (POST /v1/files), e.g. "file_…".`);
  }
  return { field, kind: 'file', fileId: value };
}

/** One ImageRefParam at `field` (`images[0]`, `mask`). */
export function imageRef(value: unknown, field: string): ImageSource {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidRequest(field, `${field} must be ${SHAPE}.`);
  const ref = value as Record<string, unknown>;
  const hasUrl = ref.image_url !== undefined && ref.image_url !== null;
  const hasFile = ref.file_id !== undefined && ref.file_id !== null;
  if (hasUrl && hasFile) throw invalidRequest(field, `${field} has both image_url and file_id; send exactly one.`);
  if (hasFile) return fileIdSource(ref.file_id, `${field}.file_id`);
  if (!hasUrl) throw invalidRequest(field, `${field} must be ${SHAPE}.`);
  if (typeof ref.image_url !== 'string') throw invalidRequest(`${field}.image_url`, `${field}.image_url must be a URL string (http(s) or data:).`);
  return { field: `${field}.image_url`, kind: 'url', url: ref.image_url };
}

/** A non-empty list of ImageRefParam at `field` (`images`). */
export function imageRefList(value: unknown, field: string): ImageSource[] {
  if (!Array.isArray(value) || value.length === 0) throw invalidRequest(field, `${field} must be a non-empty list of ${SHAPE}.`);
  return value.map((item, i) => imageRef(item, `${field}[${i}]`));
}
