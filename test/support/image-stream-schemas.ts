/**
 * The spec's schemas of the streamed image events (test/fixtures/openai-image-stream-events.schema.json,
 * copied from OpenAI's OpenAPI document) as one check: an event is valid when its `type` names a schema and
 * the event satisfies it. Extra properties are allowed, as the spec allows them (imagegate's extension).
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';

const SCHEMA_OF_TYPE: Record<string, string> = {
  'image_generation.partial_image': 'ImageGenPartialImageEvent',
  'image_generation.completed': 'ImageGenCompletedEvent',
  'image_edit.partial_image': 'ImageEditPartialImageEvent',
  'image_edit.completed': 'ImageEditCompletedEvent',
};

const document = JSON.parse(readFileSync(new URL('../fixtures/openai-image-stream-events.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const ajv = new Ajv({ strict: false, allErrors: true });
// The spec's own format for Unix timestamps: whole seconds.
ajv.addFormat('unixtime', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
ajv.addSchema({ $id: 'stream-events', ...document });

/** The spec's complaints about `event`, or [] when it is valid. */
export function specErrors(event: { type?: unknown }): string[] {
  const name = SCHEMA_OF_TYPE[String(event.type)];
  if (!name) return [`no streamed image event has type ${JSON.stringify(event.type)}`];
  const validate = ajv.getSchema(`stream-events#/definitions/${name}`)!;
  return validate(event) ? [] : (validate.errors ?? []).map((e) => `${name}${e.instancePath} ${e.message}`);
}
