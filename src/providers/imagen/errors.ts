/**
 * Imagen failures: Google's error shape (mapped as for Gemini), except the 400 Imagen answers when its safety
 * system refuses the prompt itself ("…violate Google's Responsible AI practices…"), which is the client's
 * content_policy_violation, not a malformed request.
 */
import { GatewayError } from '../../domain/errors.js';
import { type GoogleErrorBody, toError } from '../gemini/errors.js';
import type { UpstreamResponse } from '../http.js';

const PROMPT_REFUSED = /Responsible AI practices|usage guidelines|sensitive words/i;

export function imagenError(who: string, res: UpstreamResponse): GatewayError {
  if (res.status === 400) {
    let message = '';
    try {
      message = res.json<GoogleErrorBody>().error?.message ?? '';
    } catch {
      /* not Google's shape: the status decides */
    }
    if (PROMPT_REFUSED.test(message)) {
      return new GatewayError('content_policy_violation', `Imagen's safety system refused this prompt. Nothing was charged; change the prompt or the images.`, {
        upstreamRequestId: res.header('x-request-id'),
      });
    }
  }
  return toError(res, who);
}
