/**
 * A b64_json images reply written while the upstream's body is still arriving, the way a proxy would:
 *
 * - the headers and the reply's head (`{"created":…,"data":[{"b64_json":"`) go out with the first piece of
 *   the first image, then each piece as it comes (providers/images-answer.ts), at the client's pace: the
 *   upstream is read no faster than the client takes it;
 * - after the upstream's last byte the pipeline settles the hold as for any reply, and the rest of the reply
 *   (other images, usage, billing) is written: the reply is the one the dialect renders, from just after the
 *   image that already went;
 * - a failure after the first byte cannot become an error reply: the connection is cut, so the client sees a
 *   truncated body (never a complete-looking wrong one), and the hold is refunded as for any failure.
 *
 * Nothing before the first piece differs from a buffered reply: refusals, upstream errors and retries all
 * happen before it.
 */
import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import { once } from 'node:events';
import { Base64Bytes, serializeSpliced, type SplicedBody } from '../bytes/index.js';
import type { Delivery } from '../pipeline/pipeline.js';
import type { PassThroughSink } from '../domain/adapter.js';

/** Bytes queued for a slow client before the upstream is read further. */
const QUEUED_BYTES = 64 * 1024;

/**
 * A dialect's reply that can be passed through: its JSON, whose first image's base64 text follows `head`
 * (the reply's bytes before that text, for the reply's `created`). Images held as bytes are spliced into
 * the rendered reply where they lie (bytes/json-bytes.ts), never made strings.
 */
export class PassThroughRender {
  constructor(
    private readonly json: (d: Delivery, requestId: string) => unknown,
    readonly head: (created: number) => Buffer,
  ) {}

  render(d: Delivery, requestId: string): SplicedBody {
    return serializeSpliced(this.json(d, requestId));
  }
}

export class PassThroughReply implements PassThroughSink {
  private res: ServerResponse | undefined;
  private head: Buffer | undefined;
  private corked = false;
  /** The reply's `created`, fixed when its head went out. */
  created = 0;

  constructor(
    private readonly reply: FastifyReply,
    private readonly render: PassThroughRender,
    private readonly clientGone: AbortSignal,
  ) {}

  /** True once anything went out: from then on the reply can only be completed or cut. */
  get started(): boolean {
    return this.res !== undefined;
  }

  write(piece: Buffer): Promise<unknown> | undefined {
    const res = this.res ?? this.start();
    if (res.destroyed) throw new Error('The client connection is gone.');
    this.send(res, piece);
    if (res.writableLength <= QUEUED_BYTES) return undefined;
    // What this tick corked goes to the socket first: Node 22 keeps corked writes in the response itself,
    // and when the socket then takes them all at once no 'drain' ever follows.
    this.uncork(res);
    return res.writableLength > QUEUED_BYTES ? once(res, 'drain', { signal: this.clientGone }) : undefined;
  }

  /**
   * Writes the rest of the reply: the delivery rendered with an empty stand-in for the first image, whose
   * text already went out, and written from after it. What precedes the image must be what already went out.
   */
  finish(delivery: Delivery, requestId: string): void {
    const [first, ...others] = delivery.images;
    const stand = new Base64Bytes(Buffer.alloc(0));
    const rendered = first?.passedThrough
      ? this.render.render({ ...delivery, created: this.created, images: [{ ...first, b64: stand }, ...others] }, requestId)
      : undefined;
    const [head, image, ...rest] = rendered?.pieces ?? [];
    if (!this.res || !head?.equals(this.head!) || image !== stand.ascii) {
      // A dialect whose reply does not begin as its head said: a bug, and the client must not get a body
      // that parses. Cut.
      this.cut();
      throw new Error('The passed-through reply does not match its rendered form.');
    }
    for (const piece of rest) this.send(this.res, piece);
    // Uncorked before end(): Node 22 loses the chunks corked when end() runs, and the bytes that follow
    // corrupt the connection (Node 20 and 24 keep them).
    this.uncork(this.res);
    this.res.end();
  }

  /** Ends a started reply without completing it: the client sees the connection close mid-body. */
  cut(): void {
    this.reply.raw.destroy();
  }

  /** Pieces written in one tick leave in one writev (each is a chunk of the chunked encoding). */
  private send(res: ServerResponse, piece: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      res.cork();
      process.nextTick(() => this.uncork(res));
    }
    res.write(piece);
  }

  /**
   * The socket stays corked while the response uncorks: Node 22 keeps a chunked response's corked writes in
   * the response and, on uncork, writes the chunk's size line, each piece and the closing CRLF to the socket
   * one by one, each a write(2) of its own once the socket is no longer corked. Corked, they leave in one writev.
   */
  private uncork(res: ServerResponse): void {
    if (!this.corked) return;
    this.corked = false;
    const socket = res.socket;
    socket?.cork();
    res.uncork();
    socket?.uncork();
  }

  private start(): ServerResponse {
    this.created = Math.floor(Date.now() / 1000);
    this.head = this.render.head(this.created);
    // Written on the raw response: Fastify's stream piping would add a hop and a write per piece. Its
    // onResponse hook (the request log) still runs when the response finishes.
    this.reply.hijack();
    const res = this.reply.raw;
    for (const [name, value] of Object.entries(this.reply.getHeaders())) if (value !== undefined) res.setHeader(name, value);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    this.res = res;
    this.send(res, this.head);
    return res;
  }
}
