/**
 * A task's job survives restarts as JSON; its input images are kept as blobs (bytes on disk, not base64 in
 * the database) and loaded back when a worker runs the task.
 */
import { EXTENSION_OF_MIME, type ImageJob, type InputImage } from '../domain/job.js';
import { newId } from '../domain/ids.js';
import type { BlobStore, StoredBlob } from '../store/blobs.js';

interface StoredImage extends Omit<InputImage, 'bytes'> {
  blob: StoredBlob;
}

interface StoredJob extends Omit<ImageJob, 'images' | 'mask'> {
  images: StoredImage[];
  mask?: StoredImage;
}

/** Inputs outlive the task's longest life (a day of webhook retries is not needed for them). */
const INPUT_TTL_SECONDS = 2 * 24 * 3600;

async function store(blobs: BlobStore, img: InputImage): Promise<StoredImage> {
  const { bytes, ...meta } = img;
  return { ...meta, blob: await blobs.put(newId('img'), EXTENSION_OF_MIME[img.mime], bytes, INPUT_TTL_SECONDS) };
}

async function load(blobs: BlobStore, img: StoredImage): Promise<InputImage> {
  const opened = await blobs.open(img.blob);
  if (!opened) throw new Error(`input image ${img.field} of the task is no longer stored`);
  const chunks: Buffer[] = [];
  for await (const c of opened.stream) chunks.push(c as Buffer);
  const { blob: _blob, ...meta } = img;
  return { ...meta, bytes: Buffer.concat(chunks) };
}

export async function encodeJob(blobs: BlobStore, job: ImageJob): Promise<string> {
  const stored: StoredJob = {
    ...job,
    images: await Promise.all(job.images.map((i) => store(blobs, i))),
    mask: job.mask ? await store(blobs, job.mask) : undefined,
  };
  return JSON.stringify(stored);
}

export async function decodeJob(blobs: BlobStore, text: string): Promise<ImageJob> {
  const stored = JSON.parse(text) as StoredJob;
  return {
    ...stored,
    images: await Promise.all(stored.images.map((i) => load(blobs, i))),
    mask: stored.mask ? await load(blobs, stored.mask) : undefined,
  };
}
