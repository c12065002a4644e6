/**
 * Handles of asynchronous upstream jobs kept as JSON (providers/upstream-job.ts): the named values a
 * provider needs to follow and cancel a job, stored as the task's upstream id. One encoding, one length
 * limit and one reading of them for every provider; each words its own refusals (`unusable`).
 */

/** The task row's upstream id holds at most this many characters. */
export const MAX_HANDLE_LENGTH = 2000;

type Unusable = (why: string) => Error;

/** The values as a handle; refused when the text would not fit the task row. */
export function encodeJobHandle(values: Record<string, unknown>, unusable: Unusable): string {
  const text = JSON.stringify(values);
  if (text.length > MAX_HANDLE_LENGTH) throw unusable('its handle is too long to keep');
  return text;
}

/** The named values of a stored handle. */
export function decodeJobHandle(text: string, unusable: Unusable): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw unusable('its stored handle is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw unusable('its stored handle is not a JSON object');
  return parsed as Record<string, unknown>;
}

/** A URL the handle holds (where the upstream said to follow the job), parsed. */
export function handleUrl(value: unknown, what: string, unusable: Unusable): URL {
  if (typeof value !== 'string') throw unusable(`its ${what} is missing`);
  try {
    return new URL(value);
  } catch {
    throw unusable(`its ${what} is not a URL`);
  }
}
