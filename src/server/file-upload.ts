/**
 * The body of `POST /v1/files` (OpenAI's CreateFileRequest, multipart): one `file`, a `purpose`, and an
 * optional `expires_after` sent as `expires_after[anchor]` and `expires_after[seconds]` fields (how the
 * official SDKs encode it). Only images are taken, recognised by their content, within the size cap.
 */
import type { FastifyRequest } from 'fastify';
import type { FileSettings } from '../config/config.js';
import { GatewayError, invalidRequest } from '../domain/errors.js';
import { EXTENSION_OF_MIME } from '../domain/job.js';
import { sniffImageType } from '../media/image-input.js';

/** Purposes of images: what OpenAI's API takes image uploads under. Others hold documents this gateway has no use for. */
export const FILE_PURPOSES = ['vision', 'user_data'] as const;
export type FilePurpose = (typeof FILE_PURPOSES)[number];

/** The purposes OpenAI's API knows that are not for images: refused with a message that says so. */
const OTHER_PURPOSES = new Set(['assistants', 'batch', 'fine-tune', 'evals']);

const TEXT_FIELDS = new Set(['purpose', 'expires_after[anchor]', 'expires_after[seconds]']);
const FILENAME_MAX_LENGTH = 255;

export interface FileUpload {
  bytes: Buffer;
  filename: string;
  purpose: FilePurpose;
  /** The blob extension of the sniffed content. */
  ext: string;
  ttlSeconds: number;
}

export async function readFileUpload(req: FastifyRequest, limits: FileSettings): Promise<FileUpload> {
  if (!req.isMultipart()) throw invalidRequest(null, 'POST /v1/files takes multipart/form-data with a "file" and a "purpose".');
  let file: { bytes: Buffer; filename: string } | undefined;
  const fields: Record<string, string> = {};
  for await (const part of req.parts({ limits: { fileSize: limits.maxBytes } })) {
    if (part.type === 'file') {
      if (part.fieldname !== 'file') throw invalidRequest(part.fieldname, `Unexpected file field "${part.fieldname}"; the image goes in "file".`);
      if (file) throw invalidRequest('file', 'Send one file per upload.');
      file = { bytes: await fileBytes(part, limits.maxBytes), filename: cleanFilename(part.filename) };
    } else {
      if (part.fieldname === 'file') throw invalidRequest('file', 'file must be a file upload (with curl: -F "file=@/path/to/image.png"), not text.');
      if (!TEXT_FIELDS.has(part.fieldname)) {
        throw invalidRequest(part.fieldname, `Unknown field "${part.fieldname}": an upload takes file, purpose and expires_after.`);
      }
      if (part.fieldname in fields) throw invalidRequest(part.fieldname, `${part.fieldname} was sent more than once.`);
      fields[part.fieldname] = String(part.value);
    }
  }
  if (!file) throw invalidRequest('file', 'file is required: the image to upload (with curl: -F "file=@/path/to/image.png").');
  const purpose = checkPurpose(fields.purpose);
  const mime = sniffImageType(file.bytes);
  if (!mime) throw invalidRequest('file', 'file is not a PNG, JPEG, WEBP, GIF or BMP image (checked by its content): this gateway stores images only.');
  return { ...file, purpose, ext: EXTENSION_OF_MIME[mime], ttlSeconds: expiresAfter(fields, limits) };
}

async function fileBytes(part: { toBuffer(): Promise<Buffer> }, maxBytes: number): Promise<Buffer> {
  try {
    return await part.toBuffer();
  } catch (err) {
    if ((err as { code?: string }).code !== 'FST_REQ_FILE_TOO_LARGE') throw err;
    throw new GatewayError('payload_too_large', `file is larger than ${maxBytes} bytes, the most this gateway takes per file.`, {
      param: 'file',
      details: { limit: maxBytes },
    });
  }
}

function checkPurpose(v: string | undefined): FilePurpose {
  if (v === undefined || v === '') throw invalidRequest('purpose', 'purpose is required: "vision" (or "user_data") for an image to use as an input.');
  if ((FILE_PURPOSES as readonly string[]).includes(v)) return v as FilePurpose;
  const why = OTHER_PURPOSES.has(v) ? `"${v}" is for documents this gateway does not take` : `"${v.slice(0, 40)}" is not a purpose`;
  throw invalidRequest('purpose', `${why}: this gateway stores images to use as inputs, with purpose "vision" or "user_data".`);
}

/** The file's time to live: `expires_after.seconds` after its creation (OpenAI's only anchor), or the default. */
function expiresAfter(fields: Record<string, string>, limits: FileSettings): number {
  const anchor = fields['expires_after[anchor]'];
  const seconds = fields['expires_after[seconds]'];
  if (anchor === undefined && seconds === undefined) return limits.defaultTtlSeconds;
  if (anchor !== 'created_at') throw invalidRequest('expires_after.anchor', 'expires_after.anchor must be "created_at".');
  if (seconds === undefined || !/^\d{1,10}$/.test(seconds)) {
    throw invalidRequest('expires_after.seconds', 'expires_after.seconds must be a whole number of seconds.');
  }
  const n = Number(seconds);
  if (n < 3600 || n > limits.maxTtlSeconds) {
    throw invalidRequest('expires_after.seconds', `expires_after.seconds must be between 3600 (1 hour) and ${limits.maxTtlSeconds}.`);
  }
  return n;
}

/** The name as the client gave it, without directories or control characters, at most 255 characters. */
function cleanFilename(name: string | undefined): string {
  const base = (name ?? '')
    .split(/[/\\]/)
    .pop()!
    .replace(/\p{Cc}/gu, '')
    .trim();
  return base.slice(0, FILENAME_MAX_LENGTH) || 'upload';
}
