/**
 * The live catalog: which models are offered (a model is offered when at least one of its routes has
 * credentials), how names resolve (ids, aliases, provider prefixes) and the concrete routes to each model.
 */
import type { Operation } from '../domain/job.js';
import type { Route } from '../domain/adapter.js';
import type { CatalogData } from './load.js';
import type { ModelSpec, ProviderSpec } from '../domain/model-spec.js';

export interface CatalogModel {
  id: string;
  spec: ModelSpec;
  routes: Route[];
}

export class Catalog {
  readonly currency: string;
  private readonly models = new Map<string, CatalogModel>();
  private readonly names = new Map<string, string>();
  private readonly prefixes: string[];

  constructor(
    private readonly data: CatalogData,
    env: Record<string, string | undefined>,
  ) {
    this.currency = data.currency;
    this.prefixes = [...new Set([...data.prefixes, ...Object.keys(data.providers)])];
    for (const [id, spec] of Object.entries(data.models)) {
      const routes = spec.routes.flatMap((r, i): Route[] => {
        const provider = data.providers[r.provider]!;
        const creds = credentialsFor(provider, r.key_env, r.base_url, env);
        if (!creds) return [];
        return [
          {
            id: `${id}#${i}:${r.provider}`,
            provider: r.provider,
            baseUrl: creds.baseUrl,
            apiKey: creds.apiKey,
            upstreamModel: r.upstream_model ?? id,
            model: spec,
            priority: r.priority,
            weight: r.weight,
            options: r.options,
          },
        ];
      });
      if (routes.length === 0) continue;
      this.models.set(id, { id, spec, routes });
    }
    // Resolution order: exact ids first, then aliases (model-declared, then top-level), never overwriting an id.
    for (const id of this.models.keys()) this.names.set(id.toLowerCase(), id);
    for (const [id, m] of this.models) {
      for (const alias of m.spec.aliases) if (!this.names.has(alias.toLowerCase())) this.names.set(alias.toLowerCase(), id);
    }
    for (const [alias, id] of Object.entries(data.aliases)) {
      if (this.models.has(id) && !this.names.has(alias.toLowerCase())) this.names.set(alias.toLowerCase(), id);
    }
  }

  /** Resolve a client-supplied model name: exact id or alias, else with a known `prefix/` removed. */
  resolve(name: string): CatalogModel | undefined {
    const key = name.trim().toLowerCase();
    const direct = this.names.get(key);
    if (direct) return this.models.get(direct);
    const slash = key.indexOf('/');
    if (slash > 0 && this.prefixes.includes(key.slice(0, slash))) {
      const id = this.names.get(key.slice(slash + 1));
      if (id) return this.models.get(id);
    }
    return undefined;
  }

  /** Whether a name exists in the catalog at all, even if its provider is not configured. */
  isKnownButUnavailable(name: string): boolean {
    const key = name.trim().toLowerCase();
    const bare = key.includes('/') ? key.slice(key.indexOf('/') + 1) : key;
    return Object.entries(this.data.models).some(
      ([id, spec]) => id.toLowerCase() === bare || spec.aliases.some((a) => a.toLowerCase() === key || a.toLowerCase() === bare),
    );
  }

  list(): CatalogModel[] {
    return [...this.models.values()];
  }

  provider(name: string): ProviderSpec | undefined {
    return this.data.providers[name];
  }

  supports(model: CatalogModel, op: Operation): boolean {
    return model.spec.operations[op] !== undefined;
  }

  modelsFor(op: Operation): CatalogModel[] {
    return this.list().filter((m) => this.supports(m, op));
  }
}

function credentialsFor(
  provider: ProviderSpec,
  keyEnvOverride: string | undefined,
  baseUrlOverride: string | undefined,
  env: Record<string, string | undefined>,
): { apiKey: string; baseUrl: string } | undefined {
  const baseUrl = (baseUrlOverride ?? (provider.base_url_env ? env[provider.base_url_env] : undefined) ?? provider.default_base_url ?? '').replace(/\/+$/, '');
  if (provider.builtin) return { apiKey: '', baseUrl };
  const keyEnv = keyEnvOverride ?? provider.key_env;
  const apiKey = keyEnv ? env[keyEnv] : undefined;
  if (!apiKey) return undefined;
  return { apiKey, baseUrl };
}
