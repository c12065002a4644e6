/**
 * The live catalog: which models are offered (a model is offered when at least one of its routes has
 * credentials), how names resolve (ids, aliases, provider prefixes) and the concrete routes to each model.
 */
import type { Operation } from '../domain/job.js';
import type { CredentialKind, Route } from '../domain/adapter.js';
import { CatalogError, type CatalogData } from './load.js';
import type { ModelSpec, ProviderSpec } from '../domain/model-spec.js';
import { intersectRoutes, narrowSpec } from './route-facts.js';

export interface CatalogModel {
  id: string;
  /**
   * The model's contract as clients see it: with `route_contract: intersection` what every configured route
   * takes, with `per_route` the catalog's facts whole (each route then takes its share, `routeSpecs`).
   */
  spec: ModelSpec;
  routes: Route[];
  /** Route id → the facts that route takes (the model's, narrowed by the route's `accepts`). */
  routeSpecs: ReadonlyMap<string, ModelSpec>;
  /** For a dated snapshot offered as its own model: the catalog model it is a snapshot of. */
  snapshotOf?: string;
}

/** Why one route of a model can or cannot be used. */
export interface RouteAvailability {
  /** The route's id, as dispatch, metrics and the circuit breakers name it. */
  id: string;
  provider: string;
  upstream_model: string;
  configured: boolean;
  /** The environment variable whose absence leaves the route without credentials. */
  missing_env?: string;
}

/** A catalog model as an operator sees it: offered or not, and why not. */
export interface ModelAvailability {
  id: string;
  spec: ModelSpec;
  available: boolean;
  routes: RouteAvailability[];
}

/** Route ids name the model, the route's position and its provider: `gpt-image-1#0:openai`. */
export const routeId = (modelId: string, index: number, provider: string): string => `${modelId}#${index}:${provider}`;

export class Catalog {
  readonly currency: string;
  /**
   * The canonical id a request without `model` uses (IMAGEGATE_DEFAULT_MODEL); undefined keeps `model`
   * required. Checked when the catalog is built, so a name that is not offered stops the start.
   */
  readonly defaultModel: string | undefined;
  private readonly models = new Map<string, CatalogModel>();
  private readonly names = new Map<string, string>();
  private readonly prefixes: string[];

  constructor(
    private readonly data: CatalogData,
    private readonly env: Record<string, string | undefined>,
    opts: { defaultModel?: string } = {},
  ) {
    this.currency = data.currency;
    this.prefixes = [...new Set([...data.prefixes, ...Object.keys(data.providers)])];
    for (const [id, spec] of Object.entries(data.models)) {
      const model = this.modelOf(id, spec, (r) => r.upstream_model ?? id);
      if (!model) continue;
      this.models.set(id, model);
      // A snapshot sends its own id upstream, unless the route names its own upstream model (an operator's deployment).
      const snapshotSpec: ModelSpec = { ...spec, aliases: [], snapshots: [] };
      for (const snapshot of spec.snapshots) {
        const snapshotModel = this.modelOf(snapshot, snapshotSpec, (r) => r.upstream_model ?? snapshot);
        if (snapshotModel) this.models.set(snapshot, { ...snapshotModel, snapshotOf: id });
      }
    }
    // Resolution order: exact ids first, then aliases (model-declared, then top-level), never overwriting an id.
    for (const id of this.models.keys()) this.names.set(id.toLowerCase(), id);
    for (const [id, m] of this.models) {
      for (const alias of m.spec.aliases) if (!this.names.has(alias.toLowerCase())) this.names.set(alias.toLowerCase(), id);
    }
    for (const [alias, id] of Object.entries(data.aliases)) {
      if (this.models.has(id) && !this.names.has(alias.toLowerCase())) this.names.set(alias.toLowerCase(), id);
    }
    this.defaultModel = opts.defaultModel === undefined ? undefined : this.offered(opts.defaultModel);
  }

  /** The canonical id of an operator-named model, or the start-up error that says why it cannot be used. */
  private offered(name: string): string {
    const model = this.resolve(name);
    if (model) return model.id;
    const why = this.isKnownButUnavailable(name)
      ? 'its provider has no credentials on this gateway (set the provider key, or choose another model)'
      : `no model or alias has that name (offered: ${this.list()
          .map((m) => m.id)
          .join(', ')})`;
    throw new CatalogError('IMAGEGATE_DEFAULT_MODEL', '', `"${name}" cannot be the default model: ${why}`);
  }

  /**
   * The model with the routes that have credentials (undefined when none has), each sending `upstreamOf(route)`
   * as the upstream model and knowing the facts it takes; its contract follows `route_contract`.
   */
  private modelOf(id: string, spec: ModelSpec, upstreamOf: (r: ModelSpec['routes'][number]) => string): CatalogModel | undefined {
    const routeSpecs = new Map<string, ModelSpec>();
    const configured: Array<ModelSpec['routes'][number]> = [];
    const routes = spec.routes.flatMap((r, i): Route[] => {
      const provider = this.data.providers[r.provider]!;
      const creds = credentialsFor(provider, r.key_env, r.base_url, this.env);
      if (!creds) return [];
      const facts = narrowSpec(spec, r.accepts);
      const route: Route = {
        id: routeId(id, i, r.provider),
        provider: r.provider,
        baseUrl: creds.baseUrl,
        apiKey: creds.apiKey,
        credential: creds.credential,
        upstreamModel: upstreamOf(r),
        model: facts,
        priority: r.priority,
        weight: r.weight,
        options: r.options,
      };
      routeSpecs.set(route.id, facts);
      configured.push(r);
      return [route];
    });
    if (routes.length === 0) return undefined;
    const offered =
      spec.route_contract === 'intersection'
        ? intersectRoutes(
            spec,
            configured.map((r) => r.accepts),
          )
        : spec;
    return { id, spec: offered, routes, routeSpecs };
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
    return this.catalogIdOf(name) !== undefined;
  }

  /** The catalog data's model id a name (id, snapshot or alias, provider prefix or not) refers to, offered or not. */
  catalogIdOf(name: string): string | undefined {
    const key = name.trim().toLowerCase();
    const bare = key.includes('/') ? key.slice(key.indexOf('/') + 1) : key;
    const alias = Object.entries(this.data.aliases).find(([a]) => a.toLowerCase() === key)?.[1];
    return Object.entries(this.data.models).find(
      ([id, spec]) =>
        id === alias ||
        id.toLowerCase() === bare ||
        spec.snapshots.some((s) => s.toLowerCase() === bare) ||
        spec.aliases.some((a) => a.toLowerCase() === key || a.toLowerCase() === bare),
    )?.[0];
  }

  /** Every model of the catalog data, offered or not, with each route's credentials stated (never their values). */
  availability(): ModelAvailability[] {
    const env = this.env;
    return Object.entries(this.data.models).map(([id, spec]) => {
      const routes = spec.routes.map((r, i): RouteAvailability => {
        const provider = this.data.providers[r.provider]!;
        const configured = credentialsFor(provider, r.key_env, r.base_url, env) !== undefined;
        const missing = configured ? undefined : missingEnv(provider, r.key_env, r.base_url, env);
        return {
          id: routeId(id, i, r.provider),
          provider: r.provider,
          upstream_model: r.upstream_model ?? id,
          configured,
          ...(missing ? { missing_env: missing } : {}),
        };
      });
      return { id, spec, available: this.models.has(id), routes };
    });
  }

  /**
   * For each route of a catalog model that has no credentials, every variable it still lacks: its key, and the
   * endpoint of a provider that has no default one (Azure needs both). Empty for an unknown id.
   */
  lackingVariables(id: string): string[][] {
    const spec = this.data.models[id];
    if (!spec) return [];
    return spec.routes.flatMap((r) => {
      const provider = this.data.providers[r.provider]!;
      if (credentialsFor(provider, r.key_env, r.base_url, this.env)) return [];
      const key = missingEnv(provider, r.key_env, r.base_url, this.env);
      const endpoint = provider.base_url_required && baseUrlFor(provider, r.base_url, this.env) === '' ? provider.base_url_env : undefined;
      return [[...new Set([endpoint, key].filter((v): v is string => v !== undefined))]];
    });
  }

  /** Every provider of the catalog data with whether its own key variable is set (routes may name another). */
  providerAvailability(): Array<{ name: string; spec: ProviderSpec; configured: boolean; missing_env?: string }> {
    return Object.entries(this.data.providers).map(([name, spec]) => {
      const configured = credentialsFor(spec, undefined, undefined, this.env) !== undefined;
      const missing = configured ? undefined : missingEnv(spec, undefined, undefined, this.env);
      return { name, spec, configured, ...(missing ? { missing_env: missing } : {}) };
    });
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

interface Credentials {
  apiKey: string;
  credential: CredentialKind;
  baseUrl: string;
}

function baseUrlFor(provider: ProviderSpec, baseUrlOverride: string | undefined, env: Record<string, string | undefined>): string {
  return (baseUrlOverride ?? (provider.base_url_env ? env[provider.base_url_env] : undefined) ?? provider.default_base_url ?? '').replace(/\/+$/, '');
}

/**
 * A route's key (its own `key_env`, else the provider's), else the provider's bearer token (`token_env`),
 * and its base URL. A provider whose base URL is required (one endpoint per customer resource, as Azure's)
 * has no route until its endpoint is set.
 */
function credentialsFor(
  provider: ProviderSpec,
  keyEnvOverride: string | undefined,
  baseUrlOverride: string | undefined,
  env: Record<string, string | undefined>,
): Credentials | undefined {
  const baseUrl = baseUrlFor(provider, baseUrlOverride, env);
  if (provider.builtin) return { apiKey: '', credential: 'api-key', baseUrl };
  if (provider.base_url_required && baseUrl === '') return undefined;
  const keyEnv = keyEnvOverride ?? provider.key_env;
  const apiKey = keyEnv ? env[keyEnv] : undefined;
  if (apiKey) return { apiKey, credential: 'api-key', baseUrl };
  const token = !keyEnvOverride && provider.token_env ? env[provider.token_env] : undefined;
  if (token) return { apiKey: token, credential: 'bearer-token', baseUrl };
  if (provider.key_optional && !keyEnvOverride) return { apiKey: '', credential: 'none', baseUrl };
  return undefined;
}

/** The variable an operator must set for an unconfigured route: its key first, then the provider's endpoint. */
function missingEnv(
  provider: ProviderSpec,
  keyEnvOverride: string | undefined,
  baseUrlOverride: string | undefined,
  env: Record<string, string | undefined>,
): string | undefined {
  const keyEnv = keyEnvOverride ?? provider.key_env;
  const hasCredential =
    (keyEnv && env[keyEnv]) || (!keyEnvOverride && provider.token_env && env[provider.token_env]) || (provider.key_optional && !keyEnvOverride);
  if (!hasCredential) return keyEnv;
  return provider.base_url_required && baseUrlFor(provider, baseUrlOverride, env) === '' ? provider.base_url_env : undefined;
}
