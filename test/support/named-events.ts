/** Reads a server-sent-events body event by event as the bytes arrive, with each event's `event:` name. */
import { expect } from 'vitest';

export interface NamedEvent {
  /** The `event:` field, or null for an unnamed event. */
  name: string | null;
  data: any;
}

export class NamedEvents {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = '';
  /** Keep-alive comments next() has skipped. */
  keepAlives = 0;

  constructor(res: Response) {
    this.reader = res.body!.getReader();
  }

  /** The next event's raw text (without the blank line), or undefined at the end. */
  async raw(): Promise<string | undefined> {
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const event = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        return event;
      }
      const { done, value } = await this.reader.read();
      if (done) {
        expect(this.buffer).toBe('');
        return undefined;
      }
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  /** The next event parsed (keep-alives counted and skipped), or undefined at the end of the body. */
  async next(): Promise<NamedEvent | undefined> {
    for (;;) {
      const event = await this.raw();
      if (event === undefined) return undefined;
      if (event === ': keep-alive') {
        this.keepAlives++;
        continue;
      }
      const lines = event.split('\n');
      const name = lines[0]!.startsWith('event: ') ? lines.shift()!.slice('event: '.length) : null;
      expect(lines).toHaveLength(1);
      expect(lines[0]!.startsWith('data: ')).toBe(true);
      const data = lines[0]!.slice('data: '.length);
      // Chat streams end with `data: [DONE]`, which is not JSON.
      return { name, data: data === '[DONE]' ? data : JSON.parse(data) };
    }
  }

  /** Every event to the end of the body. */
  async rest(): Promise<NamedEvent[]> {
    const out: NamedEvent[] = [];
    for (let e = await this.next(); e !== undefined; e = await this.next()) out.push(e);
    return out;
  }

  cancel(): Promise<void> {
    return this.reader.cancel();
  }
}
