/**
 * The one description of the request the playground sends: the page sends it and "Copy as code" prints it,
 * so the snippet is the exact request that ran. Uploaded files stay files here (the page reads them when it
 * sends; each snippet reads them from disk).
 */
import type { FieldView, Operation, PublicContract } from './contract.js';
import { fieldRule } from './contract.js';

export type Scalar = string | number | boolean;

/** A local file the request carries: as a multipart part, or inlined as a data: URL in a JSON body. */
export interface FileRef {
  name: string;
  blob: Blob;
}

/** One reference image for image-to-image: an upload or a URL the gateway fetches. */
export type ImageInput = { kind: 'file'; file: FileRef } | { kind: 'url'; url: string };

export type PlaygroundRequest =
  | {
      kind: 'json';
      endpoint: string;
      params: Record<string, Scalar>;
      /** image-to-image references: URLs as given, files as data: URLs. */
      references: ImageInput[];
    }
  | {
      kind: 'multipart';
      endpoint: string;
      params: Record<string, Scalar>;
      files: Array<{ field: 'image' | 'mask'; file: FileRef }>;
    };

export interface FormValues {
  model: string;
  operation: Operation;
  prompt: string;
  n: number;
  /** Field name → the text the person chose; '' means "the model's default" and is not sent. */
  fields: Record<string, string>;
  images: ImageInput[];
  mask: FileRef | null;
}

/** A field's text as the JSON value its rule says (integers as numbers, booleans as booleans). */
export function typedValue(rule: FieldView | undefined, text: string): Scalar {
  if (rule?.type === 'integer' || rule?.type === 'number') return Number(text);
  if (rule?.type === 'boolean') return text === 'true';
  const listed = rule?.values?.find((v) => String(v) === text);
  return listed ?? text;
}

export function buildRequest(contract: PublicContract, endpoint: string, v: FormValues): PlaygroundRequest {
  const params: Record<string, Scalar> = { model: v.model };
  if (v.operation !== 'variation') params.prompt = v.prompt;
  if (v.operation === 'image-to-image') params.operation = 'image-to-image';
  params.n = v.n;
  for (const [name, text] of Object.entries(v.fields)) if (text !== '') params[name] = typedValue(fieldRule(contract, name), text);
  if (v.operation === 'edit' || v.operation === 'variation') {
    const files: Array<{ field: 'image' | 'mask'; file: FileRef }> = v.images.flatMap((i) =>
      i.kind === 'file' ? [{ field: 'image' as const, file: i.file }] : [],
    );
    if (v.operation === 'edit' && v.mask) files.push({ field: 'mask', file: v.mask });
    return { kind: 'multipart', endpoint, params, files };
  }
  return { kind: 'json', endpoint, params, references: v.operation === 'image-to-image' ? v.images : [] };
}

export function dataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(blob);
  });
}

/** The fetch body of a request: JSON with references inlined, or multipart with the files as parts. */
export async function bodyOf(req: PlaygroundRequest): Promise<{ body: string | FormData; contentType?: string }> {
  if (req.kind === 'json') {
    const body: Record<string, unknown> = { ...req.params };
    if (req.references.length) body.image_urls = await Promise.all(req.references.map((r) => (r.kind === 'url' ? r.url : dataUrl(r.file.blob))));
    return { body: JSON.stringify(body), contentType: 'application/json' };
  }
  const form = new FormData();
  for (const [k, value] of Object.entries(req.params)) form.append(k, String(value));
  for (const f of req.files) form.append(f.field, f.file.blob, f.file.name);
  return { body: form };
}
