/**
 * "Copy as code": the request the playground sends, as curl, the openai Node SDK and the openai Python SDK.
 * The key is always `$IMAGEGATE_API_KEY` from the environment, never the playground's own secret; uploads
 * are read from files named like the ones chosen (the mask as `mask.png`, which the painter lets you save).
 */
import type { FileRef, ImageInput, PlaygroundRequest, Scalar } from './request.js';

export type Language = 'curl' | 'node' | 'python';

const mime = (f: FileRef) => f.blob.type || 'image/png';
const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A stand-in for a file's base64 text inside JSON, replaced by each language's way of reading the file. */
const FILE_MARK = (i: number) => `@@file${i}@@`;

function referenceUrls(refs: ImageInput[]): { urls: string[]; files: FileRef[] } {
  const files: FileRef[] = [];
  const urls = refs.map((r) => {
    if (r.kind === 'url') return r.url;
    files.push(r.file);
    return `data:${mime(r.file)};base64,${FILE_MARK(files.length - 1)}`;
  });
  return { urls, files };
}

export function curlSnippet(req: PlaygroundRequest, base: string): string {
  const lines = [`curl -sS ${shq(`${base}${req.endpoint}`)}`, `  -H "Authorization: Bearer $IMAGEGATE_API_KEY"`];
  if (req.kind === 'json') {
    const { urls, files } = referenceUrls(req.references);
    const body = JSON.stringify(urls.length ? { ...req.params, image_urls: urls } : req.params);
    let quoted = shq(body);
    files.forEach((f, i) => {
      quoted = quoted.replace(FILE_MARK(i), `'"$(base64 -w0 ${shq(f.name)})"'`);
    });
    lines.push(`  -H "Content-Type: application/json"`, `  -d ${quoted}`);
  } else {
    for (const [k, v] of Object.entries(req.params)) lines.push(`  -F ${shq(`${k}=${String(v)}`)}`);
    for (const f of req.files) lines.push(`  -F ${shq(`${f.field}=@${f.file.name}`)}`);
  }
  return lines.join(' \\\n');
}

function sdkMethod(req: PlaygroundRequest): { node: string; python: string } {
  if (req.endpoint.endsWith('/edits')) return { node: 'edit', python: 'edit' };
  if (req.endpoint.endsWith('/variations')) return { node: 'createVariation', python: 'create_variation' };
  return { node: 'generate', python: 'generate' };
}

export function nodeSnippet(req: PlaygroundRequest, base: string): string {
  const entries = Object.entries(req.params).map(([k, v]) => `  ${/^[a-z_]\w*$/i.test(k) ? k : JSON.stringify(k)}: ${JSON.stringify(v)},`);
  if (req.kind === 'json' && req.references.length) {
    const items = req.references.map((r) =>
      r.kind === 'url' ? JSON.stringify(r.url) : `\`data:${mime(r.file)};base64,\${fs.readFileSync(${JSON.stringify(r.file.name)}).toString('base64')}\``,
    );
    entries.push(`  image_urls: [${items.join(', ')}],`);
  }
  if (req.kind === 'multipart') for (const f of req.files) entries.push(`  ${f.field}: fs.createReadStream(${JSON.stringify(f.file.name)}),`);
  return [
    `import fs from 'node:fs';`,
    `import OpenAI from 'openai';`,
    '',
    `const client = new OpenAI({ baseURL: ${JSON.stringify(`${base}/v1`)}, apiKey: process.env.IMAGEGATE_API_KEY });`,
    '',
    `const result = await client.images.${sdkMethod(req).node}({`,
    ...entries,
    '});',
    'console.log(result.data);',
  ].join('\n');
}

/** Keyword arguments each Python SDK method takes; anything else goes in `extra_body`. */
const PY_KWARGS: Record<string, string[]> = {
  generate: ['model', 'prompt', 'n', 'size', 'quality', 'response_format', 'style', 'background', 'moderation', 'output_format', 'output_compression', 'user'],
  edit: ['model', 'prompt', 'n', 'size', 'quality', 'response_format', 'background', 'input_fidelity', 'output_format', 'output_compression', 'user'],
  create_variation: ['model', 'n', 'size', 'response_format', 'user'],
};

const py = (v: Scalar) => (typeof v === 'boolean' ? (v ? 'True' : 'False') : JSON.stringify(v));

export function pythonSnippet(req: PlaygroundRequest, base: string): string {
  const method = sdkMethod(req).python;
  const known = new Set(PY_KWARGS[method]);
  const args: string[] = [];
  const extra: string[] = [];
  for (const [k, v] of Object.entries(req.params)) (known.has(k) ? args : extra).push(known.has(k) ? `    ${k}=${py(v)},` : `${JSON.stringify(k)}: ${py(v)}`);
  let usesBase64 = false;
  if (req.kind === 'json' && req.references.length) {
    const items = req.references.map((r) => {
      if (r.kind === 'url') return JSON.stringify(r.url);
      usesBase64 = true;
      return `"data:${mime(r.file)};base64," + base64.b64encode(open(${JSON.stringify(r.file.name)}, "rb").read()).decode()`;
    });
    extra.push(`"image_urls": [${items.join(', ')}]`);
  }
  if (req.kind === 'multipart') for (const f of req.files) args.push(`    ${f.field}=open(${JSON.stringify(f.file.name)}, "rb"),`);
  if (extra.length) args.push(`    extra_body={${extra.join(', ')}},`);
  return [
    ...(usesBase64 ? ['import base64'] : []),
    'import os',
    'from openai import OpenAI',
    '',
    `client = OpenAI(base_url=${JSON.stringify(`${base}/v1`)}, api_key=os.environ["IMAGEGATE_API_KEY"])`,
    '',
    `result = client.images.${method}(`,
    ...args,
    ')',
    'print(result.data)',
  ].join('\n');
}

export function snippet(lang: Language, req: PlaygroundRequest, base: string): string {
  return lang === 'curl' ? curlSnippet(req, base) : lang === 'node' ? nodeSnippet(req, base) : pythonSnippet(req, base);
}
