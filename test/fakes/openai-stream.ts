/**
 * The fake OpenAI's streamed answer (`stream: true`, OpenAI Images API docs and the spec's
 * ImageGenPartialImageEvent / ImageGenCompletedEvent and `image_edit.*` twins): `partial_images` previews of
 * the image (each a real image of the final size in another colour), then the completed event with the
 * image and the usage. Each event is `event: <type>` + `data: <json>`; a failure after the stream began is an
 * `event: error` whose data is OpenAI's `{"error": …}`. Knobs below hold or break it mid-way.
 */
import type { ServerResponse } from 'node:http';
import { makeImage } from './images.js';

/** How the next streamed answer goes wrong on purpose. */
export type ImageStreamFault =
  /** An `error` event (server_error) right after the first partial image, then the stream ends. */
  | 'error-after-partial'
  /** The connection drops right after the first partial image. */
  | 'break-after-partial';

export interface ImageStreamKnobs {
  /** Pause before each event after the first (ms). */
  delayMs: number;
  /** Awaited after the first partial image: the test holds the upstream "mid-generation". */
  gate: Promise<void> | undefined;
  fault: ImageStreamFault | undefined;
}

export interface StreamedAnswer {
  family: 'image_generation' | 'image_edit';
  partialImages: number;
  /** The whole answer the fake would have sent: one image in `data`, the settings and usage. */
  body: Record<string, unknown>;
  width: number;
  height: number;
}

const PREVIEW_COLOURS = [
  { r: 200, g: 40, b: 40 },
  { r: 40, g: 200, b: 40 },
  { r: 200, g: 200, b: 40 },
];

export async function writeImageStream(res: ServerResponse, answer: StreamedAnswer, knobs: ImageStreamKnobs, requestId: string): Promise<void> {
  const { family, body } = answer;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': requestId });
  // Each write is awaited until it is on the wire, so a drop after it cuts the stream there and not earlier.
  const send = (type: string, event: Record<string, unknown>) =>
    new Promise<void>((r) => res.write(`event: ${type}\ndata: ${JSON.stringify(event)}\n\n`, () => r()));
  const pause = () => (knobs.delayMs ? new Promise((r) => setTimeout(r, knobs.delayMs)) : Promise.resolve());
  const format = body.output_format as 'png' | 'jpeg' | 'webp';
  const settings = { size: body.size, quality: body.quality, background: body.background, output_format: format };
  const created = Math.floor(Date.now() / 1000);
  for (let i = 0; i < answer.partialImages; i++) {
    if (i > 0) await pause();
    const preview = await makeImage(answer.width, answer.height, { format, color: PREVIEW_COLOURS[i]! });
    await send(`${family}.partial_image`, {
      type: `${family}.partial_image`,
      b64_json: preview.toString('base64'),
      created_at: created,
      ...settings,
      partial_image_index: i,
    });
    if (i === 0) {
      await knobs.gate;
      if (knobs.fault === 'break-after-partial') return void res.destroy();
      if (knobs.fault === 'error-after-partial') {
        await send('error', { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } });
        return void res.end();
      }
    }
  }
  await pause();
  const image = (body.data as Array<{ b64_json: string }>)[0]!;
  await send(`${family}.completed`, { type: `${family}.completed`, b64_json: image.b64_json, created_at: created, ...settings, usage: body.usage });
  res.end();
}
