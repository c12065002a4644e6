/**
 * `GET /docs`: the OpenAPI document as one readable HTML page, rendered on the server from the document
 * itself: no script, no CDN, nothing to download, so it works offline and cannot disagree with /openapi.json.
 */
import type { OpenApiDocument } from './document.js';

type Json = Record<string, unknown>;

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Inline `code` spans of the descriptions, and nothing else of Markdown. */
const prose = (s: unknown) => (s === undefined ? '' : esc(s).replace(/`([^`]+)`/g, '<code>$1</code>'));

const anchor = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '-');

/** A schema in a few words: its type, a link to its component, its values. */
function typeOf(schema: Json | undefined): string {
  if (!schema || Object.keys(schema).length === 0) return 'any';
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.split('/').pop()!;
    return `<a href="#schema-${anchor(name)}">${esc(name)}</a>`;
  }
  if ('const' in schema) return `<code>${esc(JSON.stringify(schema.const))}</code>`;
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => `<code>${esc(JSON.stringify(v))}</code>`).join(' | ');
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(schema[key])) return (schema[key] as Json[]).map(typeOf).join(' | ');
  }
  // A narrowing part (an error's codes) says nothing a reader needs beyond the response's own description.
  if (Array.isArray(schema.allOf)) {
    return (schema.allOf as Json[])
      .filter((part) => part.$ref || part.type)
      .map(typeOf)
      .join(' &amp; ');
  }
  if (schema.type === 'array') return `array of ${typeOf(schema.items as Json | undefined)}`;
  if (schema.type === 'object' && !schema.properties && schema.additionalProperties) {
    return `map of ${typeOf(schema.additionalProperties as Json)}`;
  }
  return esc(Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type ?? 'any'));
}

function limits(schema: Json): string {
  const parts: string[] = [];
  for (const [k, label] of [
    ['minimum', '≥'],
    ['exclusiveMinimum', '>'],
    ['maximum', '≤'],
    ['minLength', 'min length'],
    ['maxLength', 'max length'],
    ['minItems', 'min items'],
    ['maxItems', 'max items'],
    ['default', 'default'],
  ] as const) {
    const v = schema[k];
    if (v !== undefined && !(k === 'maximum' && v === Number.MAX_SAFE_INTEGER) && !(k === 'minimum' && v === Number.MIN_SAFE_INTEGER)) {
      parts.push(`${label} ${esc(JSON.stringify(v))}`);
    }
  }
  return parts.join(', ');
}

/** The object schema a field holds, directly or as the non-null alternative. */
function objectOf(schema: Json): Json | undefined {
  if (schema.properties) return schema;
  const alternatives = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  const objects = alternatives?.filter((a) => a.properties);
  return objects?.length === 1 ? objects[0] : undefined;
}

/** An object schema's fields as a table (nested objects as nested tables); anything else as its type. */
function fields(schema: Json | undefined, depth = 0): string {
  if (!schema) return '';
  const props = schema.properties as Record<string, Json> | undefined;
  if (!props) return `<p>${typeOf(schema)}${schema.description ? ` — ${prose(schema.description)}` : ''}</p>`;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const rows = Object.entries(props).map(([name, s]) => {
    const nested = depth < 2 ? objectOf(s) : undefined;
    const notes = `${prose(s.description)}${limits(s) ? ` <span class="lim">${limits(s)}</span>` : ''}`;
    const row = `<tr><td><code>${esc(name)}</code>${required.has(name) ? ' <span class="req">required</span>' : ''}</td><td>${typeOf(s)}</td><td>${notes}</td></tr>`;
    // A nested object's fields in a row of their own, indented under it.
    return nested ? `${row}<tr class="nested"><td colspan="3">${fields({ ...nested, description: undefined }, depth + 1)}</td></tr>` : row;
  });
  const open = schema.additionalProperties && schema.additionalProperties !== false ? '<p class="lim">Other fields are allowed.</p>' : '';
  return `${schema.description ? `<p>${prose(schema.description)}</p>` : ''}<table class="fields"><colgroup><col class="name"><col class="type"><col></colgroup>${rows.join('')}</table>${open}`;
}

/** A request body's fields written out, each alternative of a union on its own. */
function requestFields(schema: Json | undefined, doc: OpenApiDocument): string {
  if (!schema) return '';
  const resolved = typeof schema.$ref === 'string' ? doc.components.schemas[schema.$ref.split('/').pop()!] : schema;
  if (!resolved) return '';
  const alternatives = (resolved.anyOf ?? resolved.oneOf) as Json[] | undefined;
  if (alternatives) return alternatives.map((a, i) => `<p class="lim">${i === 0 ? 'One of:' : 'or:'}</p>${requestFields(a, doc)}`).join('');
  return fields(resolved);
}

function content(c: Json | undefined): string {
  if (!c) return '';
  return Object.entries(c as Record<string, Json>)
    .map(([type, media]) => `<div class="media"><span class="type">${esc(type)}</span> ${typeOf(media.schema as Json | undefined)}</div>`)
    .join('');
}

const SECURITY_TEXT: Record<string, string> = {
  clientKey: 'client key',
  adminKey: 'admin key',
  consoleSession: 'console session',
};

function operation(method: string, path: string, op: Json, doc: OpenApiDocument): string {
  const security = op.security as Array<Record<string, unknown>>;
  const who =
    security.length === 0
      ? 'public'
      : security
          .map((s) =>
            Object.keys(s)
              .map((k) => SECURITY_TEXT[k] ?? k)
              .join(' + '),
          )
          .join(' or ');
  const params = (op.parameters as Json[] | undefined) ?? [];
  const paramRows = params.map(
    (p) =>
      `<tr><td><code>${esc(p.name)}</code> <span class="lim">${esc(p.in)}</span>${p.required ? ' <span class="req">required</span>' : ''}</td><td>${typeOf(p.schema as Json)}</td><td>${prose(p.description ?? (p.schema as Json).description)}</td></tr>`,
  );
  const body = op.requestBody as Json | undefined;
  const responses = Object.entries(op.responses as Record<string, Json>).map(
    ([status, r]) =>
      `<tr><td class="${Number(status) < 400 ? 'ok' : 'err'}">${esc(status)}</td><td>${prose(r.description)}${content(r.content as Json | undefined)}</td></tr>`,
  );
  return `<section class="op" id="op-${anchor(String(op.operationId))}">
<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${esc(path)}</code></h3>
<p>${prose(op.summary)}</p>${op.description ? `<p>${prose(op.description)}</p>` : ''}
<p class="who">Who may call: <b>${esc(who)}</b></p>
${paramRows.length ? `<h4>Parameters</h4><table class="fields"><colgroup><col class="name"><col class="type"><col></colgroup>${paramRows.join('')}</table>` : ''}
${
  body
    ? `<h4>Request body${body.required ? '' : ' (optional)'}</h4>${Object.entries(body.content as Record<string, Json>)
        .map(([type, media]) => `<div class="media"><span class="type">${esc(type)}</span></div>${requestFields(media.schema as Json, doc)}`)
        .join('')}`
    : ''
}
<h4>Responses</h4><table>${responses.join('')}</table>
</section>`;
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;display:flex}
nav{width:260px;flex:none;height:100vh;overflow:auto;position:sticky;top:0;border-right:1px solid #dde;padding:12px;box-sizing:border-box;font-size:13px}
nav a{display:block;color:#1d2330;text-decoration:none;padding:1px 0}nav h2{font-size:13px;margin:12px 0 4px;text-transform:uppercase;color:#667}
main{flex:1;min-width:0;padding:16px 32px;max-width:1100px}h3{margin:0 0 4px}section.op{border-top:1px solid #dde;padding:16px 0}
table{border-collapse:collapse;width:100%;margin:4px 0}table.fields{table-layout:fixed}col.name{width:28%}col.type{width:32%}tr.nested>td{padding-left:24px;border-bottom:none}td,th{border-bottom:1px solid #eef;padding:3px 6px;text-align:left;vertical-align:top}
code{font-family:ui-monospace,monospace;font-size:13px;background:#f3f4f8;padding:0 3px;border-radius:3px}
.method{font:bold 12px ui-monospace,monospace;padding:2px 6px;border-radius:3px;color:#fff;background:#557}.get{background:#2a7}.post{background:#27c}.patch{background:#c82}.delete{background:#c33}
.req{color:#c33;font-size:12px}.lim{color:#667;font-size:12px}.ok{color:#2a7}.err{color:#c33}.type{color:#667;font-size:12px}.who{color:#445}`;

export function renderReferencePage(doc: OpenApiDocument): string {
  const byTag = new Map<string, Array<[string, string, Json]>>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = (op.tags as string[])[0]!;
      byTag.set(tag, [...(byTag.get(tag) ?? []), [method, path, op]]);
    }
  }
  const nav = [...byTag]
    .map(
      ([tag, ops]) =>
        `<h2>${esc(tag)}</h2>${ops.map(([m, p, op]) => `<a href="#op-${anchor(String(op.operationId))}">${m.toUpperCase()} ${esc(p)}</a>`).join('')}`,
    )
    .join('');
  const sections = [...byTag].map(([tag, ops]) => `<h2 id="tag-${anchor(tag)}">${esc(tag)}</h2>${ops.map(([m, p, op]) => operation(m, p, op, doc)).join('')}`);
  const schemas = Object.entries(doc.components.schemas).map(
    ([name, s]) =>
      `<section class="op" id="schema-${anchor(name)}"><h3><code>${esc(name)}</code></h3>${fields(s)}${typeof s.properties === 'object' ? '' : ''}</section>`,
  );
  const info = doc.info as { title: string; version: string; description: string };
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(info.title)} API reference</title><style>${STYLE}</style></head><body>
<nav><b>${esc(info.title)} ${esc(info.version)}</b><br><a href="/openapi.json">openapi.json</a>${nav}<h2>Schemas</h2><a href="#schemas">All schemas</a></nav>
<main><h1>${esc(info.title)} API reference</h1><p>${prose(info.description)}</p>
<p>The machine-readable document is at <a href="/openapi.json"><code>/openapi.json</code></a> (OpenAPI 3.1).</p>
${sections.join('')}<h2 id="schemas">Schemas</h2>${schemas.join('')}</main></body></html>`;
}

/** The page loads nothing and runs nothing: its only style is inline. */
export const REFERENCE_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
