/**
 * A request that names no model uses the operator's default (IMAGEGATE_DEFAULT_MODEL) when one is set;
 * without one `model` stays required. Applied where a route has parsed its draft, so everything after it
 * (the model's mode, the chat check, idempotency, the request log) sees the model that runs.
 */
import type { Catalog } from '../catalog/catalog.js';
import type { DraftRequest } from '../domain/draft.js';

export function withDefaultModel<T extends DraftRequest>(draft: T, catalog: Catalog): T {
  if ((draft.model !== undefined && draft.model !== '') || catalog.defaultModel === undefined) return draft;
  return { ...draft, model: catalog.defaultModel };
}
