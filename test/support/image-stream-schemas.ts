/**
 * The spec's streamed image events as one check: an event is valid when its `type` names one of the spec's
 * event schemas and the event satisfies it (openai-spec.ts). Extra properties are allowed, as the spec
 * allows them (imagegate's extension).
 */
import { validateAgainst } from './openai-spec.js';

const SCHEMA_OF_TYPE: Record<string, string> = {
  'image_generation.partial_image': 'ImageGenPartialImageEvent',
  'image_generation.completed': 'ImageGenCompletedEvent',
  'image_edit.partial_image': 'ImageEditPartialImageEvent',
  'image_edit.completed': 'ImageEditCompletedEvent',
};

/** The spec's complaints about `event`, or [] when it is valid. */
export function specErrors(event: { type?: unknown }): string[] {
  const name = SCHEMA_OF_TYPE[String(event.type)];
  if (!name) return [`no streamed image event has type ${JSON.stringify(event.type)}`];
  return validateAgainst(name, event);
}
