/**
 * Signed, expiring links to hosted blobs: `<public>/v1/files/<id>.<ext>?exp=<unix s>&sig=<hmac>`.
 * The signature covers the file name and the expiry, so neither can be changed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { StoredBlob } from './blobs.js';

export const FILE_ROUTE_PREFIX = '/v1/files/';

export class UrlSigner {
  constructor(
    private readonly secret: string,
    private publicUrl: string,
  ) {}

  /** Set once the listening address is known (PORT=0) when no IMAGEGATE_PUBLIC_URL was given. */
  setPublicUrl(url: string): void {
    this.publicUrl = url.replace(/\/+$/, '');
  }

  private sign(name: string, exp: number): string {
    return createHmac('sha256', this.secret).update(`${name}\n${exp}`).digest('base64url');
  }

  urlFor(blob: StoredBlob): string {
    const name = `${blob.id}.${blob.ext}`;
    return `${this.publicUrl}${FILE_ROUTE_PREFIX}${name}?exp=${blob.expiresAt}&sig=${this.sign(name, blob.expiresAt)}`;
  }

  /** Checks a request for `name` with its query; returns the blob it names or why it is refused. */
  verify(
    name: string,
    exp: string | undefined,
    sig: string | undefined,
    now = Date.now(),
  ): { ok: true; blob: StoredBlob } | { ok: false; status: 403 | 404; reason: string } {
    const m = /^([a-z]+_[A-Za-z0-9_-]+)\.(png|jpeg|webp|gif|bmp)$/.exec(name);
    if (!m) return { ok: false, status: 404, reason: 'No such file.' };
    const expNum = Number(exp);
    if (!exp || !sig || !Number.isInteger(expNum)) return { ok: false, status: 403, reason: 'This link is not signed.' };
    const want = Buffer.from(this.sign(name, expNum));
    const got = Buffer.from(sig);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return { ok: false, status: 403, reason: 'This link has an invalid signature.' };
    if (expNum * 1000 < now) return { ok: false, status: 403, reason: 'This link has expired.' };
    return { ok: true, blob: { id: m[1]!, ext: m[2]!, expiresAt: expNum } };
  }
}
