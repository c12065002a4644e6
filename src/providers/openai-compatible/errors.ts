/**
 * A self-hosted OpenAI-compatible server's failures → GatewayError. Its error bodies are OpenAI's
 * `{"error": {"message", "code"}}` (LocalAI puts a number in `code`), a bare `{"error": "<message>"}` or
 * `{"detail": "<message>"}` (FastAPI-based servers), or plain text from whatever sits in front of it. The
 * message is quoted (redacted); the status decides the code (errorForStatus).
 */
import type { GatewayError } from '../../domain/errors.js';
import { errorForStatus, type UpstreamResponse } from '../http.js';
import { redact } from '../redact.js';
import { OPENAI_COMPATIBLE } from './mapping.js';

const MAX_TEXT = 300;

function jsonMessage(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const { error, detail, message } = body as { error?: unknown; detail?: unknown; message?: unknown };
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
  if (typeof detail === 'string') return detail;
  return typeof message === 'string' ? message : undefined;
}

/** The message of an error body in any of the shapes above, or undefined for an empty body. */
export function messageOf(res: UpstreamResponse): string | undefined {
  try {
    const found = jsonMessage(res.json<unknown>());
    if (found) return found;
  } catch {
    // Not JSON: the text itself is the message.
  }
  const text = res.body.toString('utf8').trim();
  if (text === '' || text.startsWith('{')) return undefined;
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}...` : text;
}

export function toError(res: UpstreamResponse): GatewayError {
  const raw = messageOf(res);
  return errorForStatus(OPENAI_COMPATIBLE, res, raw === undefined ? undefined : redact(raw));
}
