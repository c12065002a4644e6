/**
 * A Google service account key file (the JSON `GOOGLE_APPLICATION_CREDENTIALS` names), read as Google's auth
 * libraries read it: the signing key and the account's email; `project_id` is the project when none is configured.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { GatewayError } from '../../domain/errors.js';

const ServiceAccountSchema = z.object({
  type: z.literal('service_account'),
  client_email: z.string().min(1),
  private_key: z.string().includes('PRIVATE KEY'),
  private_key_id: z.string().optional(),
  project_id: z.string().optional(),
});
export type ServiceAccount = z.infer<typeof ServiceAccountSchema>;

/** An operator fault: 502 and retryable (another route may have working credentials). The file's text is never quoted. */
function unusable(why: string, cause?: unknown): GatewayError {
  return new GatewayError('upstream_error', `The Vertex AI service account file (GOOGLE_APPLICATION_CREDENTIALS) ${why}; the operator must fix it.`, {
    retryable: true,
    cause,
  });
}

export async function readServiceAccount(path: string): Promise<ServiceAccount> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw unusable('cannot be read', e);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw unusable('is not JSON');
  }
  const parsed = ServiceAccountSchema.safeParse(json);
  if (!parsed.success) throw unusable(`is not a service account key (${parsed.error.issues[0]?.path.join('.') || 'type'} is missing or wrong)`);
  return parsed.data;
}
