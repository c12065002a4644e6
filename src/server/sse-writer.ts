/**
 * A server-sent-events response body: events are written as they happen, and while nothing has been
 * written for `keepAliveMs` a comment line (`: keep-alive`) goes out, so proxies and load balancers that
 * cut idle connections (often after 30–60 s) keep it open while the upstream works. The events (not the
 * keep-alives) are also kept as a transcript when asked, for Idempotency-Key replays.
 */
import { PassThrough } from 'node:stream';
import { serializeSpliced } from '../bytes/index.js';

export class SseWriter {
  readonly body = new PassThrough();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly transcript: string[] | undefined;

  constructor(
    private readonly keepAliveMs: number,
    opts: { record?: boolean } = {},
  ) {
    this.transcript = opts.record ? [] : undefined;
    this.arm();
  }

  /** One `data:` event with this JSON value. */
  event(value: unknown): void {
    this.write(`data: ${JSON.stringify(value)}\n\n`, true);
  }

  /**
   * One event named `type` (`event: <type>` before its data), as OpenAI's image streams send them. Base64
   * text held as bytes in `value` is written as those bytes (bytes/json-bytes.ts), never made a string.
   */
  named(type: string, value: unknown): void {
    const json = serializeSpliced(value);
    this.writeBytes([Buffer.from(`event: ${type}\ndata: `), ...json.pieces, Buffer.from('\n\n')]);
  }

  /** The closing `data: [DONE]`; nothing is written after it. */
  end(): void {
    this.write('data: [DONE]\n\n', true);
    this.close();
  }

  /** Stop without [DONE]: the client is gone, or the protocol has no closing event (image streams). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.body.end();
  }

  /** Everything written so far except keep-alives. */
  text(): string {
    return this.transcript?.join('') ?? '';
  }

  private write(text: string, recorded: boolean): void {
    // A body the server destroyed (the client went away) takes no more writes; the request winds down on its own.
    if (this.closed || this.body.destroyed) return;
    this.body.write(text);
    if (recorded) this.transcript?.push(text);
    this.arm();
  }

  private writeBytes(pieces: Buffer[]): void {
    if (this.closed || this.body.destroyed) return;
    for (const piece of pieces) this.body.write(piece);
    // Only an Idempotency-Key replay needs the text; a plain stream never makes a string of an image.
    this.transcript?.push(Buffer.concat(pieces).toString('utf8'));
    this.arm();
  }

  private arm(): void {
    clearTimeout(this.timer);
    if (this.closed || this.keepAliveMs <= 0) return;
    this.timer = setTimeout(() => this.write(': keep-alive\n\n', false), this.keepAliveMs);
    // An idle stream's timer must not keep a shutting-down process alive.
    this.timer.unref();
  }
}
