/**
 * OpenAI's published schemas (test/fixtures/openai-spec/schemas.json, copied from the spec by
 * tools/openai-spec-schemas.ts) and `validateAgainst`, which checks a value against one of them with Ajv.
 * The spec is OpenAPI 3.1 (JSON Schema 2020-12) with a few OpenAPI-isms mixed in: `nullable`, `x-…`
 * annotations, `example`, and the formats `unixtime` and `binary`; strict mode is off for those.
 */
import { readFileSync } from 'node:fs';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

type Schema = Record<string, unknown>;

const FIXTURE = new URL('../fixtures/openai-spec/schemas.json', import.meta.url);
const SPEC_ID = 'https://imagegate.test/openai-spec.json';

export const openaiSpec = JSON.parse(readFileSync(FIXTURE, 'utf8')) as {
  source: { repository: string; commit: string; file: string; sha256: string; roots: string[] };
  components: { schemas: Record<string, Schema> };
};

// ajv ships CommonJS: under NodeNext the default import is the module object, whose `default` is the export.
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
ajv.addFormat('unixtime', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
ajv.addFormat('binary', true);
ajv.addSchema({ $id: SPEC_ID, components: withNullAsAlternative(openaiSpec.components) as Schema });

/**
 * OpenAPI 3.0's `nullable: true` (still found in this 3.1 document, some of it beside a bare `$ref`) means
 * null is allowed too: written as JSON Schema's own `anyOf [schema, {type: null}]`, which Ajv takes anywhere.
 */
function withNullAsAlternative(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withNullAsAlternative);
  if (!value || typeof value !== 'object') return value;
  const { nullable, ...rest } = value as Schema;
  // A property that happens to be named `nullable` holds a schema, not a flag: left as it is.
  if (nullable !== undefined && typeof nullable !== 'boolean') rest.nullable = nullable;
  const inner = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, withNullAsAlternative(v)]));
  return nullable === true ? { anyOf: [inner, { type: 'null' }] } : inner;
}

/** One schema of the spec by its component name (`ImagesResponse`), as the spec has it. */
export function specSchema(name: string): Schema {
  const schema = openaiSpec.components.schemas[name];
  if (!schema) throw new Error(`the spec fixture has no schema ${name}; add it to ROOTS in tools/openai-spec-schemas.ts`);
  return schema;
}

/**
 * What is wrong with `value` as an instance of the spec's schema `name`: one line per problem (the JSON
 * pointer and Ajv's message), empty when it conforms. `expect(validateAgainst(…)).toEqual([])` shows them all.
 */
export function validateAgainst(name: string, value: unknown): string[] {
  specSchema(name);
  const validate = ajv.getSchema(`${SPEC_ID}#/components/schemas/${name}`);
  if (!validate) throw new Error(`cannot compile ${name}`);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${name}${e.instancePath || ''}: ${e.message ?? 'invalid'}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}
