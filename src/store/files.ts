/**
 * Files a client uploaded (the Files API): a row per file in `files`, the bytes in the blob store under the
 * file's id. Every read is scoped to one account: a file of another account is, to the caller, no file. A
 * file lives until its expiry (the blob expires in the same second, so the hourly blob sweep removes its
 * bytes) or until it is deleted; expired rows are swept by `sweep`.
 */
import type { Readable } from 'node:stream';
import type { Kysely, Selectable } from 'kysely';
import { GatewayError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { BlobStore, StoredBlob } from './blobs.js';
import type { Db } from './db.js';
import type { Database, FilesTable } from './schema.js';
import { readFirst, run } from './transact.js';

export type FileRow = Selectable<FilesTable>;

export interface NewFile {
  accountId: string;
  keyId: string | null;
  filename: string;
  purpose: string;
  bytes: Buffer;
  /** The blob extension of the sniffed content (`png`, `jpeg`, …). */
  ext: string;
  ttlSeconds: number;
}

export type FileOrder = 'asc' | 'desc';

export interface FileListQuery {
  /** The id of the last file of the previous page. */
  after?: string;
  limit: number;
  order: FileOrder;
  purpose?: string;
}

/** The blob that holds a file's bytes. */
export function blobOfFile(row: Pick<FileRow, 'id' | 'ext' | 'expires_at'>): StoredBlob {
  return { id: row.id, ext: row.ext, expiresAt: row.expires_at / 1000 };
}

/** What one account may keep in live files at once. */
export interface AccountFileLimits {
  files: number;
  bytes: number;
}

export class FileStore {
  private readonly db: Kysely<Database>;

  constructor(
    private readonly store: Pick<Db, 'kysely' | 'transact' | 'dialect'>,
    private readonly blobs: BlobStore,
    private readonly limits: AccountFileLimits,
  ) {
    this.db = store.kysely;
  }

  /**
   * Stores the bytes, then records the file, unless the account's live files would pass its limits: the
   * sums and the insert share a transaction (on PostgreSQL under a lock of the account's row), so uploads
   * at the same time cannot pass the limits together. A refused or failed record removes the bytes.
   */
  async upload(f: NewFile, now = Date.now()): Promise<FileRow> {
    const limits = this.limits;
    // Refused before any bytes are stored when already over; checked again with the insert.
    refuseOverLimits(await liveUsage(this.db, f.accountId, now).executeTakeFirst(), f.bytes.length, limits);
    const id = newId('file');
    const blob = await this.blobs.put(id, f.ext, f.bytes, f.ttlSeconds);
    const row: FileRow = {
      id,
      account_id: f.accountId,
      key_id: f.keyId,
      filename: f.filename,
      purpose: f.purpose,
      bytes: f.bytes.length,
      ext: f.ext,
      created_at: now,
      expires_at: blob.expiresAt * 1000,
    };
    const db = this.db;
    const lockAccount = this.store.dialect === 'postgres';
    try {
      await this.store.transact({
        *check() {
          if (lockAccount) yield* readFirst(db.selectFrom('accounts').select('id').where('id', '=', f.accountId).forUpdate());
          refuseOverLimits(yield* readFirst(liveUsage(db, f.accountId, now)), row.bytes, limits);
        },
        *write() {
          yield* run(db.insertInto('files').values(row));
        },
      });
    } catch (err) {
      await this.blobs.delete(blob).catch(() => {});
      throw err;
    }
    return row;
  }

  /** The account's live file with this id, or undefined (unknown, expired, deleted or another account's). */
  async find(accountId: string, id: string, now = Date.now()): Promise<FileRow | undefined> {
    return this.db.selectFrom('files').selectAll().where('id', '=', id).where('account_id', '=', accountId).where('expires_at', '>', now).executeTakeFirst();
  }

  /** The bytes of the account's live file, or undefined when it has none by that id or its blob is gone. */
  async open(accountId: string, id: string, now = Date.now()): Promise<{ row: FileRow; stream: Readable; size: number } | undefined> {
    const row = await this.find(accountId, id, now);
    if (!row) return undefined;
    const opened = await this.blobs.open(blobOfFile(row));
    return opened && { row, ...opened };
  }

  /** One page of the account's live files by (created_at, id), and whether more follow. */
  async list(accountId: string, q: FileListQuery, now = Date.now()): Promise<{ rows: FileRow[]; hasMore: boolean }> {
    let query = this.db.selectFrom('files').selectAll().where('account_id', '=', accountId).where('expires_at', '>', now);
    if (q.purpose !== undefined) query = query.where('purpose', '=', q.purpose);
    if (q.after !== undefined) {
      // A cursor that names no file of this account's starts nowhere: an empty page, never another's rows.
      const at = await this.db
        .selectFrom('files')
        .select(['created_at', 'id'])
        .where('id', '=', q.after)
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      if (!at) return { rows: [], hasMore: false };
      const cmp = q.order === 'asc' ? '>' : '<';
      query = query.where((eb) => eb.or([eb('created_at', cmp, at.created_at), eb.and([eb('created_at', '=', at.created_at), eb('id', cmp, at.id)])]));
    }
    const rows = await query
      .orderBy('created_at', q.order)
      .orderBy('id', q.order)
      .limit(q.limit + 1)
      .execute();
    return { rows: rows.slice(0, q.limit), hasMore: rows.length > q.limit };
  }

  /** Deletes the account's file (row, then bytes); false when it has none by that id. */
  async delete(accountId: string, id: string, now = Date.now()): Promise<boolean> {
    const row = await this.db
      .deleteFrom('files')
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst();
    if (!row) return false;
    // Bytes a failed delete leaves behind are unreachable (no row names them) and go with their expiry hour.
    await this.blobs.delete(blobOfFile(row)).catch(() => {});
    return true;
  }

  /** Removes the rows of expired files; their bytes go with the blob store's own sweep. */
  async sweep(now = Date.now()): Promise<number> {
    const res = await this.db.deleteFrom('files').where('expires_at', '<=', now).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

function liveUsage(db: Kysely<Database>, accountId: string, now: number) {
  return db
    .selectFrom('files')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number | null>('bytes').as('bytes')])
    .where('account_id', '=', accountId)
    .where('expires_at', '>', now);
}

/** Drivers answer count() and sum() as numbers or numeric strings, and sum() of no rows as null. */
function refuseOverLimits(live: { n: number | string; bytes: number | string | null } | undefined, adding: number, limits: AccountFileLimits): void {
  const files = Number(live?.n ?? 0);
  const bytes = Number(live?.bytes ?? 0);
  if (files >= limits.files) {
    throw new GatewayError(
      'invalid_request',
      `This account already holds ${limits.files} files, the most it may keep: delete some (DELETE /v1/files/{file_id}) first.`,
      {
        param: 'file',
        details: { limit: limits.files },
      },
    );
  }
  if (bytes + adding > limits.bytes) {
    throw new GatewayError(
      'invalid_request',
      `This account's files hold ${bytes} bytes; with this one (${adding} bytes) they would pass the ${limits.bytes} bytes it may keep: delete some (DELETE /v1/files/{file_id}) first.`,
      { param: 'file', details: { limit_bytes: limits.bytes } },
    );
  }
}
