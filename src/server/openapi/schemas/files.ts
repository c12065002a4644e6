/** The Files API's shapes, as OpenAI's API has them (`OpenAIFile`). */
import { z } from 'zod';
import { describes, unixSeconds } from './common.js';
import type { FileObject as FileObjectView } from '../../file-object.js';

export const FileUploadRequest = z
  .object({
    file: z.string().describe('The image, as a file part.').meta({ contentMediaType: 'application/octet-stream' }),
    purpose: z.enum(['vision', 'user_data']),
    'expires_after[anchor]': z.literal('created_at').optional(),
    'expires_after[seconds]': z.string().optional().describe("Whole seconds from 3600 up to the gateway's maximum."),
  })
  .describe('An image to use as an input later (multipart/form-data).');

export const FileObject = describes<FileObjectView>()(
  z.object({
    id: z.string(),
    object: z.literal('file'),
    bytes: z.number().int(),
    created_at: unixSeconds,
    expires_at: unixSeconds,
    filename: z.string(),
    purpose: z.string(),
    status: z.literal('processed'),
  }),
);

export const FileList = z.object({
  object: z.literal('list'),
  data: z.array(FileObject),
  first_id: z.string().nullable(),
  last_id: z.string().nullable(),
  has_more: z.boolean(),
});

export const FileDeleted = z.object({ id: z.string(), object: z.literal('file'), deleted: z.literal(true) });

export const FileListQuery = z.object({
  after: z.string().max(128).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  purpose: z.string().max(128).optional(),
});

export const Binary = z.string().describe("the file's bytes").meta({ contentMediaType: 'application/octet-stream' });
