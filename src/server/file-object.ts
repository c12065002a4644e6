/** A stored file as OpenAI's API shows it (the `OpenAIFile` schema): times in Unix seconds. */
import type { FileRow } from '../store/files.js';

export interface FileObject {
  id: string;
  object: 'file';
  bytes: number;
  created_at: number;
  expires_at: number;
  filename: string;
  purpose: string;
  /** Deprecated in OpenAI's API but still required there; a stored file is always processed. */
  status: 'processed';
}

export function renderFile(row: FileRow): FileObject {
  return {
    id: row.id,
    object: 'file',
    bytes: row.bytes,
    created_at: Math.floor(row.created_at / 1000),
    expires_at: Math.floor(row.expires_at / 1000),
    filename: row.filename,
    purpose: row.purpose,
    status: 'processed',
  };
}
