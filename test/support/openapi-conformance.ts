/**
 * Checks real answers against imagegate's own OpenAPI document: the operation that the method and path
 * match, the status among its documented responses, the media type among that response's, and a JSON body
 * against its schema (Ajv, JSON Schema 2020-12). Records which operations and statuses were seen.
 */
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv';

type Json = Record<string, any>;

const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;
const DOC_ID = 'https://imagegate.test/openapi.json';

/** A JSON pointer (URI-encoded, as a `$ref` fragment) to a place in the document. */
const pointer = (segments: string[]) => `/${segments.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/')}`;

const errorsOf = (v: ValidateFunction) =>
  (v.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`)
    .join('; ');

export interface CheckedAnswer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

export class Conformance {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly templates: Array<{ path: string; pattern: RegExp; literal: number }>;
  /** `operationId status` of every answer checked. */
  readonly seen = new Set<string>();
  private problems: string[] = [];

  constructor(readonly doc: Json) {
    addFormats(this.ajv);
    this.ajv.addSchema(doc, DOC_ID);
    // More literal templates first: `/v1/files/{name}.{ext}` before `/v1/files/{id}`.
    this.templates = Object.keys(doc.paths)
      .map((path) => ({
        path,
        pattern: new RegExp(
          `^${path
            .split(/(\{[^}]+\})/)
            .map((part) => (part === '{path}' ? '.+' : part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
            .join('')}$`,
        ),
        literal: path.replace(/\{[^}]+\}/g, '').length,
      }))
      .sort((a, b) => b.literal - a.literal);
  }

  /** The document's operation for a concrete request, as the router would pick it. */
  operation(method: string, url: string): { path: string; op: Json } | undefined {
    const path = new URL(url, 'http://x').pathname;
    for (const t of this.templates) {
      const op = this.doc.paths[t.path][method.toLowerCase()];
      if (op && t.pattern.test(path)) return { path: t.path, op };
    }
    return undefined;
  }

  private validator(pointer: string): ValidateFunction {
    let v = this.compiled.get(pointer);
    if (!v) {
      v = this.ajv.compile({ $ref: `${DOC_ID}#${pointer}` });
      this.compiled.set(pointer, v);
    }
    return v;
  }

  /** Checks one answer; what does not conform is kept in `problems` with the request that got it. */
  check(method: string, url: string, a: CheckedAnswer, requestJson?: unknown): void {
    const where = `${method} ${new URL(url, 'http://x').pathname} → ${a.status}`;
    const found = this.operation(method, url);
    if (!found) {
      this.problems.push(`${where}: no operation in the document`);
      return;
    }
    this.seen.add(`${found.op.operationId} ${a.status}`);
    // A JSON body and query parameters the server took must be ones the document allows.
    if (requestJson !== undefined && a.status < 400) this.checkRequest(method, found, requestJson, where);
    if (a.status < 400) this.checkQuery(found.op, new URL(url, 'http://x').searchParams, where);
    const response = found.op.responses[String(a.status)];
    if (!response) {
      this.problems.push(`${where}: status not documented (${Object.keys(found.op.responses).join(', ')}); body ${a.text.slice(0, 200)}`);
      return;
    }
    for (const [name, header] of Object.entries((response.headers ?? {}) as Json)) {
      const required = header.$ref ? this.doc.components.headers[String(header.$ref).split('/').pop()!]?.required : header.required;
      if (required && !a.headers.has(name)) this.problems.push(`${where}: the documented header ${name} is missing`);
    }
    const type = (a.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const media = response.content as Json | undefined;
    if (!media) {
      if (a.text !== '') this.problems.push(`${where}: documented without a body, answered ${type}`);
      return;
    }
    if (!(type in media)) {
      this.problems.push(`${where}: media type ${type} not documented (${Object.keys(media).join(', ')})`);
      return;
    }
    if (type === 'text/event-stream' && media[type].schema) {
      this.checkEvents(found, method, a, where);
      return;
    }
    if (type !== 'application/json' || !media[type].schema) return;
    const validate = this.validator(pointer(['paths', found.path, method.toLowerCase(), 'responses', String(a.status), 'content', type, 'schema']));
    if (!validate(a.body)) this.problems.push(`${where}: body does not match its schema: ${errorsOf(validate)}; body ${a.text.slice(0, 300)}`);
  }

  private checkRequest(method: string, found: { path: string; op: Json }, body: unknown, where: string): void {
    const refused = this.requestRefusal(method, found, body);
    if (refused !== undefined) this.problems.push(`${where}: took a request body the document refuses: ${refused}`);
  }

  /**
   * Each event's data against the stream's schema (the media type's schema, as OpenAI's document has it);
   * `[DONE]` closes a chat stream and is not an event. A stream with no event fails too.
   */
  private checkEvents(found: { path: string; op: Json }, method: string, a: CheckedAnswer, where: string): void {
    const validate = this.validator(
      pointer(['paths', found.path, method.toLowerCase(), 'responses', String(a.status), 'content', 'text/event-stream', 'schema']),
    );
    const data = a.text
      .split(/\n\n/)
      .map((block) =>
        block
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice('data: '.length))
          .join('\n'),
      )
      .filter((d) => d !== '' && d !== '[DONE]');
    if (data.length === 0) this.problems.push(`${where}: an event stream without events`);
    data.forEach((d, i) => {
      if (!validate(JSON.parse(d)))
        this.problems.push(`${where}: event ${i} does not match the stream's schema: ${errorsOf(validate)}; data ${d.slice(0, 200)}`);
    });
  }

  /** Each query parameter taken is documented, and its value (numbers and flags read from the text) fits. */
  private checkQuery(op: Json, query: URLSearchParams, where: string): void {
    const params = new Map(((op.parameters as Json[] | undefined) ?? []).filter((p) => p.in === 'query').map((p) => [p.name as string, p]));
    for (const [name, text] of query) {
      const param = params.get(name);
      if (!param) {
        this.problems.push(`${where}: took the query parameter ${name}, which the document does not list`);
        continue;
      }
      const type = param.schema.type;
      const value = type === 'integer' || type === 'number' ? Number(text) : type === 'boolean' ? text === 'true' : text;
      const key = JSON.stringify(param.schema);
      let validate = this.compiled.get(key);
      if (!validate) {
        validate = this.ajv.compile(param.schema);
        this.compiled.set(key, validate);
      }
      if (!validate(value)) this.problems.push(`${where}: took ${name}=${text}, which the document refuses: ${errorsOf(validate)}`);
    }
  }

  /** Why the document refuses a JSON request body for this method and path; undefined when it allows it. */
  refusesRequest(method: string, url: string, body: unknown): string | undefined {
    const found = this.operation(method, url);
    if (!found) return 'no operation in the document';
    return this.requestRefusal(method, found, body);
  }

  private requestRefusal(method: string, found: { path: string; op: Json }, body: unknown): string | undefined {
    if (!found.op.requestBody?.content?.['application/json']) return 'the operation takes no JSON body';
    const validate = this.validator(pointer(['paths', found.path, method.toLowerCase(), 'requestBody', 'content', 'application/json', 'schema']));
    return validate(body) ? undefined : errorsOf(validate);
  }

  /** What did not conform since the last call. */
  drain(): string[] {
    const out = this.problems;
    this.problems = [];
    return out;
  }

  /** Operations of the document no checked answer exercised with a 2xx or 3xx. */
  unexercised(): string[] {
    const ok = new Set([...this.seen].filter((s) => Number(s.split(' ')[1]) < 400).map((s) => s.split(' ')[0]));
    const all = Object.values(this.doc.paths).flatMap((methods) => Object.values(methods as Json).map((op) => (op as Json).operationId as string));
    return all.filter((id) => !ok.has(id)).sort();
  }
}
