/**
 * Copies the schemas the spec test validates against out of OpenAI's published OpenAPI document
 * (../shared/reference/openai-openapi/openapi.json) into test/fixtures/openai-spec/schemas.json, with every
 * schema they reference, so the suite does not depend on ../shared. The fixture records the document's
 * commit and sha256. Run: node --import tsx tools/openai-spec-schemas.ts [path/to/openapi.json]
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = process.argv[2] ?? join(ROOT, '../shared/reference/openai-openapi/openapi.json');
const OUT = join(ROOT, 'test/fixtures/openai-spec/schemas.json');

/** The replies imagegate's OpenAI endpoints send, and the request bodies whose optional fields it accepts. */
const ROOTS = [
  'ImagesResponse',
  'ImageGenStreamEvent',
  'ImageEditStreamEvent',
  'CreateChatCompletionResponse',
  'CreateChatCompletionStreamResponse',
  'ListModelsResponse',
  'Model',
  'ErrorResponse',
  'CreateImageRequest',
  'CreateImageEditRequest',
  'EditImageBodyJsonParam',
  'CreateImageVariationRequest',
  'OpenAIFile',
  'ListFilesResponse',
  'DeleteFileResponse',
];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const PREFIX = '#/components/schemas/';

function refsIn(value: Json, out: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(PREFIX)) out.add(v.slice(PREFIX.length));
      else refsIn(v, out);
    }
  }
}

const text = readFileSync(SOURCE, 'utf8');
const doc = JSON.parse(text) as { components: { schemas: Record<string, Json> } };
const all = doc.components.schemas;
const picked: Record<string, Json> = {};
const queue = [...ROOTS];
while (queue.length) {
  const name = queue.shift()!;
  if (name in picked) continue;
  const schema = all[name];
  if (schema === undefined) throw new Error(`${SOURCE} has no schema ${name}`);
  picked[name] = schema;
  const refs = new Set<string>();
  refsIn(schema, refs);
  queue.push(...refs);
}
// The commit is the README's (the document itself does not carry it).
const readme = readFileSync(join(dirname(SOURCE), 'README.md'), 'utf8');
const commit = /Commit: `([0-9a-f]{40})`/.exec(readme)?.[1] ?? 'unknown';
const sorted = Object.fromEntries(
  Object.keys(picked)
    .sort()
    .map((k) => [k, picked[k]!]),
);
const fixture = {
  source: {
    repository: 'https://github.com/openai/openai-openapi',
    commit,
    file: 'openapi.json',
    sha256: createHash('sha256').update(text).digest('hex'),
    roots: ROOTS,
  },
  components: { schemas: sorted },
};
writeFileSync(OUT, `${JSON.stringify(fixture, null, 1)}\n`);
console.log(`${Object.keys(sorted).length} schemas from ${commit} → ${OUT}`);
