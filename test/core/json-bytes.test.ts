import { describe, expect, it } from 'vitest';
import { Base64Bytes } from '../../src/bytes/base64.js';
import { parseLifting, serializeSpliced, withSpliceRoom } from '../../src/bytes/json-bytes.js';

const b64 = (n: number) => Buffer.alloc(n, 7).toString('base64');
const lift = (json: string) => parseLifting(Buffer.from(json), 'b64_json');

describe('parseLifting', () => {
  it('lifts each b64_json string value as bytes viewing the original buffer, and parses the rest', () => {
    const body = { created: 1, data: [{ b64_json: b64(3000), revised_prompt: 'a "quoted" fox' }, { b64_json: b64(10) }], usage: { total_tokens: 5 } };
    const buf = Buffer.from(JSON.stringify(body));
    const parsed = parseLifting(buf, 'b64_json') as { data: Array<{ b64_json: unknown; revised_prompt?: string }>; usage: unknown; created: number };
    expect(parsed.created).toBe(1);
    expect(parsed.usage).toEqual({ total_tokens: 5 });
    expect(parsed.data[0]!.revised_prompt).toBe('a "quoted" fox');
    const first = parsed.data[0]!.b64_json as Base64Bytes;
    expect(first).toBeInstanceOf(Base64Bytes);
    expect(first.toString()).toBe(body.data[0]!.b64_json);
    expect(first.ascii.buffer).toBe(buf.buffer); // a view, not a copy
    expect(String(parsed.data[1]!.b64_json)).toBe(body.data[1]!.b64_json);
  });

  it('gives the same value as JSON.parse for bodies with whitespace, escapes and look-alike strings', () => {
    const json = `{ "note" : "b64_json", "x": "say \\"b64_json\\": \\"no\\"", "data" : [ { "b64_json"  :  "QUJD" , "k":["b64_json"] } ],"esc":"a\\\\"}`;
    const parsed = lift(json) as { data: Array<{ b64_json: unknown }> };
    expect(JSON.parse(JSON.stringify(parsed))).toEqual(JSON.parse(json));
    expect(parsed.data[0]!.b64_json).toBeInstanceOf(Base64Bytes);
  });

  it('leaves a b64_json string with escapes to JSON.parse, unescaped', () => {
    const parsed = lift('{"data":[{"b64_json":"QU\\/JD"}]}') as { data: Array<{ b64_json: unknown }> };
    expect(parsed.data[0]!.b64_json).toBe('QU/JD');
  });

  it('keeps non-string b64_json values as they are', () => {
    expect(lift('{"b64_json":null,"data":[{"b64_json":12}]}')).toEqual({ b64_json: null, data: [{ b64_json: 12 }] });
  });

  it('throws SyntaxError on a malformed body, like JSON.parse', () => {
    expect(() => lift('{"data":[{"b64_json":"QUJD"}')).toThrow(SyntaxError);
    expect(() => lift('{"data":[{"b64_json":"QUJD')).toThrow(SyntaxError);
    expect(() => lift('not json')).toThrow(SyntaxError);
  });

  it('cannot be fooled by a client string that spells the internal marker', () => {
    const parsed = lift(`{"data":[{"b64_json":"QUJD","revised_prompt":"\\u0001ig-000000000000-0"}]}`) as { data: Array<{ revised_prompt: unknown }> };
    expect(parsed.data[0]!.revised_prompt).toBe('\u0001ig-000000000000-0');
  });
});

describe('serializeSpliced', () => {
  it('writes Base64Bytes values as their bytes, byte-identical to JSON.stringify of the strings', () => {
    const a = b64(5000);
    const b = b64(30);
    const big = new Base64Bytes(Buffer.from(a));
    const value = { created: 2, data: [{ b64_json: big, revised_prompt: 'p "q" \u0001' }, { b64_json: new Base64Bytes(Buffer.from(b)) }, { url: 'u' }] };
    const out = serializeSpliced(value);
    expect(out.pieces).toHaveLength(5);
    expect(out.pieces[1]!.buffer).toBe(big.ascii.buffer); // spliced, not copied
    expect(out.length).toBe(Buffer.byteLength(out.toString()));
    expect(out.toString()).toBe(JSON.stringify({ created: 2, data: [{ b64_json: a, revised_prompt: 'p "q" \u0001' }, { b64_json: b }, { url: 'u' }] }));
  });

  it('round-trips through parseLifting', () => {
    const body = Buffer.from(JSON.stringify({ data: Array.from({ length: 12 }, (_, i) => ({ b64_json: b64(100 + i) })) }));
    expect(serializeSpliced(parseLifting(body, 'b64_json')).toString()).toBe(body.toString());
  });

  it('serializes plain values like JSON.stringify', () => {
    expect(serializeSpliced({ a: [1, 'x'], b: null }).toString()).toBe('{"a":[1,"x"],"b":null}');
  });

  it('a Base64Bytes stringified by other code while serializeSpliced runs is written as its text', () => {
    const inner = new Base64Bytes(Buffer.from('QUJD'));
    const value = { note: { toJSON: () => JSON.stringify({ b: inner }) } };
    expect(serializeSpliced(value).toString()).toBe(JSON.stringify({ note: '{"b":"QUJD"}' }));
  });

  it('splices Base64Bytes in the order they are written, nested ones between those of their holder', () => {
    const [a, b, c] = [b64(40), b64(50), b64(60)];
    const value = { a: new Base64Bytes(Buffer.from(a)), nested: { b: new Base64Bytes(Buffer.from(b)) }, list: [new Base64Bytes(Buffer.from(c)), 'x'] };
    expect(serializeSpliced(value).toString()).toBe(JSON.stringify({ a, nested: { b }, list: [c, 'x'] }));
  });

  it('leaves the value it serializes as it was: holders of spliced bytes are copied, not changed', () => {
    const bytes = new Base64Bytes(Buffer.from(b64(30)));
    const item = { b64_json: bytes, n: 1 };
    const value = { data: [item], list: [bytes] };
    serializeSpliced(value);
    expect(item.b64_json).toBe(bytes);
    expect(value.data[0]).toBe(item);
    expect(value.list[0]).toBe(bytes);
  });

  it('a Base64Bytes outside serializeSpliced stringifies to its text', () => {
    expect(JSON.stringify({ b: new Base64Bytes(Buffer.from('QUJD')) })).toBe('{"b":"QUJD"}');
    expect(`data:image/png;base64,${new Base64Bytes(Buffer.from('QUJD'))}`).toBe('data:image/png;base64,QUJD');
  });
});

describe('SplicedBody.toBuffer', () => {
  const upstream = (body: unknown) => {
    const json = Buffer.from(JSON.stringify(body));
    const buf = withSpliceRoom(json.length);
    json.copy(buf);
    return buf;
  };
  const reply = (parsed: { data: Array<{ b64_json: unknown }> }) => ({
    created: 9,
    data: parsed.data,
    imagegate: { request_id: 'req_1', note: 'x'.repeat(900) },
  });

  it('writes the reply around the image bytes inside the upstream buffer, copying the image zero times', () => {
    const image = b64(4000);
    const buf = upstream({ created: 1, data: [{ b64_json: image }], usage: { total_tokens: 3 } });
    const parsed = parseLifting(buf, 'b64_json') as { data: Array<{ b64_json: unknown }> };
    const out = serializeSpliced(reply(parsed)).toBuffer();
    expect(out.buffer).toBe(buf.buffer);
    expect(JSON.parse(out.toString())).toEqual({ created: 9, data: [{ b64_json: image }], imagegate: { request_id: 'req_1', note: 'x'.repeat(900) } });
  });

  it('joins the pieces when the image buffer has no room to splice into', () => {
    // A buffer of its own, outside Node's shared small-buffer pool (whose size differs between Node majors).
    const text = JSON.stringify({ data: [{ b64_json: b64(6000) }] });
    const buf = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
    buf.write(text);
    const parsed = parseLifting(buf, 'b64_json') as { data: Array<{ b64_json: unknown }> };
    const out = serializeSpliced(reply(parsed)).toBuffer();
    expect(out.buffer).not.toBe(buf.buffer);
    expect(JSON.parse(out.toString()).data[0].b64_json).toBe(b64(6000));
  });

  it('joins the pieces for several images, leaving the upstream buffer untouched', () => {
    const buf = upstream({ data: [{ b64_json: b64(50) }, { b64_json: b64(60) }] });
    const before = Buffer.from(buf);
    const parsed = parseLifting(buf, 'b64_json') as { data: Array<{ b64_json: unknown }> };
    const out = serializeSpliced(reply(parsed)).toBuffer();
    expect(JSON.parse(out.toString()).data.map((d: { b64_json: string }) => d.b64_json)).toEqual([b64(50), b64(60)]);
    expect(buf.equals(before)).toBe(true);
  });

  it('falls back to joining when the reply tail is longer than the room after the image', () => {
    const buf = upstream({ data: [{ b64_json: b64(30) }] });
    const parsed = parseLifting(buf, 'b64_json') as { data: Array<{ b64_json: unknown }> };
    const big = { data: parsed.data, revised: 'y'.repeat(40_000) };
    const out = serializeSpliced(big).toBuffer();
    expect(out.buffer).not.toBe(buf.buffer);
    expect(JSON.parse(out.toString())).toEqual({ data: [{ b64_json: b64(30) }], revised: 'y'.repeat(40_000) });
  });
});

describe('parseLifting with minLength', () => {
  it('leaves strings shorter than minLength to JSON.parse and lifts the longer ones', () => {
    const body = { data: [{ b64_json: b64(30) }, { b64_json: b64(3000) }] };
    const parsed = parseLifting(Buffer.from(JSON.stringify(body)), 'b64_json', { minLength: 1000 }) as { data: Array<{ b64_json: unknown }> };
    expect(parsed.data[0]!.b64_json).toBe(body.data[0]!.b64_json);
    expect(parsed.data[1]!.b64_json).toBeInstanceOf(Base64Bytes);
    expect(String(parsed.data[1]!.b64_json)).toBe(body.data[1]!.b64_json);
  });
});
