/**
 * The fake Gemini's `streamGenerateContent?alt=sse` answer: the whole GenerateContentResponse the fake would
 * have sent, cut up the way Google streams it — text parts in several events (each a continuation), each
 * image whole in its own event, the finishReason and final usageMetadata in the last event (with an empty
 * text part, as Google sends it), every event carrying the usage so far. Events are `data: <json>` with
 * CRLF line ends, like Google's, spaced out in time by the knobs below.
 */
import type { ServerResponse } from 'node:http';

type Json = Record<string, unknown>;
type Part = Json & { text?: string; thought?: boolean; inlineData?: unknown; inline_data?: unknown };

/** How the next streamed answer goes wrong on purpose. */
export type StreamFault =
  /** The connection drops after the text events, before the image. */
  | 'break-before-image'
  /** An `{"error": …}` event (HTTP 500 INTERNAL) instead of the image, then the stream ends. */
  | 'error-before-image'
  /** The connection drops right after the image event, before finishReason and the final usage. */
  | 'break-after-image';

export interface StreamKnobs {
  /** Pause before each event after the first (ms). */
  delayMs: number;
  /** Awaited before the first image event: the test holds the upstream "mid-generation". */
  gate: Promise<void> | undefined;
  fault: StreamFault | undefined;
}

/** Two continuation pieces of a text, cut at a space near the middle. */
function pieces(text: string): string[] {
  const cut = text.indexOf(' ', Math.floor(text.length / 2));
  return cut > 0 && cut < text.length - 1 ? [text.slice(0, cut + 1), text.slice(cut + 1)] : [text];
}

const isImage = (p: Part) => p.inlineData !== undefined || p.inline_data !== undefined;

export async function writeStream(res: ServerResponse, body: Json, knobs: StreamKnobs): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  // Each write is awaited until it is on the wire, so a drop after it cuts the stream there and not earlier.
  const send = (event: Json) => new Promise<void>((r) => res.write(`data: ${JSON.stringify(event)}\r\n\r\n`, () => r()));
  const pause = () => (knobs.delayMs ? new Promise((r) => setTimeout(r, knobs.delayMs)) : Promise.resolve());
  const candidate = (body.candidates as Json[] | undefined)?.[0];
  const { candidates: _c, usageMetadata, ...common } = body;
  if (!candidate) {
    // A blocked prompt: one event, as the whole answer.
    await send(body);
    res.end();
    return;
  }
  const usage = usageMetadata as Json;
  const soFar = { promptTokenCount: usage.promptTokenCount, totalTokenCount: usage.promptTokenCount, promptTokensDetails: usage.promptTokensDetails };
  const event = (parts: Part[], last: boolean): Json => ({
    candidates: [{ content: { role: 'model', parts }, ...(last ? { finishReason: candidate.finishReason } : {}), index: 0 }],
    usageMetadata: last ? usage : soFar,
    ...common,
  });
  const parts = ((candidate.content as Json | undefined)?.parts as Part[] | undefined) ?? [];
  let first = true;
  let imageSent = false;
  for (const part of parts) {
    if (!first) await pause();
    first = false;
    if (isImage(part)) {
      if (!imageSent) {
        await knobs.gate;
        if (knobs.fault === 'break-before-image') return void res.destroy();
        if (knobs.fault === 'error-before-image') {
          await send({
            error: {
              code: 500,
              message: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
              status: 'INTERNAL',
            },
          });
          return void res.end();
        }
      }
      await send(event([part], false));
      imageSent = true;
      if (knobs.fault === 'break-after-image') return void res.destroy();
    } else if (typeof part.text === 'string') {
      for (const [i, text] of pieces(part.text).entries()) {
        if (i > 0) await pause();
        await send(event([{ ...part, text }], false));
      }
    } else {
      await send(event([part], false));
    }
  }
  if (!first) await pause();
  await send(event([{ text: '' }], true));
  res.end();
}
