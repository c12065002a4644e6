/**
 * Reads the built-in catalog and the operator's IMAGEGATE_CONFIG overlay, merges them (overlay wins, objects
 * merge key by key, arrays replace) and validates the result. Problems are reported with file and path.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { CatalogFileSchema, ModelSchema, ProviderSchema, type ModelSpec, type ProviderSpec } from '../domain/model-spec.js';

/** Built-in catalog files, merged in name order: one file per provider family. */
export const BUILTIN_CATALOG_DIR = fileURLToPath(new URL('../../catalog/builtin/', import.meta.url));

export class CatalogError extends Error {
  constructor(
    readonly file: string,
    readonly path: string,
    problem: string,
  ) {
    super(`${file}: ${path ? `${path}: ` : ''}${problem}`);
    this.name = 'CatalogError';
  }
}

export interface CatalogData {
  currency: string;
  prefixes: string[];
  providers: Record<string, ProviderSpec>;
  models: Record<string, ModelSpec>;
  aliases: Record<string, string>;
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A model's price is one basis (per image or by tokens): an overlay's price replaces the built-in one whole, never blends with it. */
const replacedWhole = (path: readonly string[]) => path.length === 3 && path[0] === 'models' && path[2] === 'price';

function deepMerge(base: unknown, over: unknown, path: readonly string[] = []): unknown {
  if (!isPlain(base) || !isPlain(over) || replacedWhole(path)) return over;
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? deepMerge(base[k], v, [...path, k]) : v;
  return out;
}

function readYaml(file: string, text?: string): Plain {
  let raw: unknown;
  try {
    raw = parseYaml(text ?? readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CatalogError(file, '', `cannot read YAML: ${(e as Error).message}`);
  }
  if (raw == null) return {};
  if (!isPlain(raw)) throw new CatalogError(file, '', 'the top level must be a mapping');
  return raw;
}

function formatIssue(issue: z.core.$ZodIssue): string {
  return issue.message;
}

function check<T>(schema: z.ZodType<T>, value: unknown, file: string, prefix: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  throw new CatalogError(file, path, formatIssue(issue));
}

/** Load and validate; `overlayFile` (IMAGEGATE_CONFIG) is optional. `overlayText` lets tests pass YAML inline. */
export function loadCatalogData(opts: { overlayFile?: string; overlayText?: string } = {}): CatalogData {
  const builtinFiles = readdirSync(BUILTIN_CATALOG_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  let builtin: Plain = {};
  for (const f of builtinFiles) {
    const file = join(BUILTIN_CATALOG_DIR, f);
    const part = readYaml(file);
    check(CatalogFileSchema, part, file, '');
    builtin = deepMerge(builtin, part) as Plain;
  }
  const BUILTIN_CATALOG_PATH = 'built-in catalog';
  const overlayName = opts.overlayFile ?? '<inline config>';
  const overlay = opts.overlayFile || opts.overlayText !== undefined ? readYaml(overlayName, opts.overlayText) : {};
  const over = check(CatalogFileSchema, overlay, overlayName, '');

  // Validation is reported against the file that introduced the problem: the overlay if it touched the entry.
  const merged = deepMerge(builtin, overlay) as Plain;
  const providers: Record<string, ProviderSpec> = {};
  for (const [name, spec] of Object.entries((merged.providers as Plain | undefined) ?? {})) {
    const file = over.providers && name in over.providers ? overlayName : BUILTIN_CATALOG_PATH;
    providers[name] = check(ProviderSchema, spec, file, `providers.${name}`);
  }
  const models: Record<string, ModelSpec> = {};
  for (const [id, spec] of Object.entries((merged.models as Plain | undefined) ?? {})) {
    const file = over.models && id in over.models ? overlayName : BUILTIN_CATALOG_PATH;
    const model = check(ModelSchema, spec, file, `models.${id}`);
    for (const [i, route] of model.routes.entries()) {
      if (!providers[route.provider]) {
        throw new CatalogError(file, `models.${id}.routes.${i}.provider`, `unknown provider "${route.provider}" (known: ${Object.keys(providers).join(', ')})`);
      }
    }
    models[id] = model;
  }
  // A snapshot is offered under its own id: it may name no other model or snapshot.
  const taken = new Map(Object.keys(models).map((id) => [id.toLowerCase(), 'a model id']));
  for (const [id, model] of Object.entries(models)) {
    for (const [i, snapshot] of model.snapshots.entries()) {
      const what = taken.get(snapshot.toLowerCase());
      if (what !== undefined) {
        const file = over.models && id in over.models ? overlayName : BUILTIN_CATALOG_PATH;
        throw new CatalogError(file, `models.${id}.snapshots.${i}`, `"${snapshot}" is already ${what}`);
      }
      taken.set(snapshot.toLowerCase(), `a snapshot of "${id}"`);
    }
  }
  const aliases = { ...((merged.aliases as Record<string, string> | undefined) ?? {}) };
  for (const [alias, target] of Object.entries(aliases)) {
    if (!models[target]) {
      const file = over.aliases && alias in over.aliases ? overlayName : BUILTIN_CATALOG_PATH;
      throw new CatalogError(file, `aliases.${alias}`, `points to unknown model "${target}"`);
    }
  }
  return {
    currency: (merged.currency as string | undefined) ?? 'USD',
    prefixes: (merged.prefixes as string[] | undefined) ?? [],
    providers,
    models,
    aliases,
  };
}
