/** Provider name (as the catalog's routes spell it) → adapter. */
import { createArkAdapter } from './ark/adapter.js';
import { createBflAdapter } from './bfl/adapter.js';
import { createAzureOpenAIAdapter } from './azure/adapter.js';
import { createComfyUIAdapter } from './comfyui/adapter.js';
import { createDashScopeAdapter } from './dashscope/adapter.js';
import { createFalAdapter } from './fal/adapter.js';
import { createGeminiAdapter } from './gemini/adapter.js';
import { createLocalAdapter } from './local/adapter.js';
import { createOpenAIAdapter } from './openai/adapter.js';
import { createOpenAICompatibleAdapter } from './openai-compatible/adapter.js';
import { createReplicateAdapter } from './replicate/adapter.js';
import { createStabilityAdapter } from './stability/adapter.js';
import { createXaiAdapter } from './xai/adapter.js';
import { withCredentialRedaction } from './redact.js';
import { createVertexAdapter } from './vertex/adapter.js';
import type { GatewayConfig } from '../config/config.js';
import type { ProviderAdapter } from '../domain/adapter.js';
import type { Catalog } from '../catalog/catalog.js';
import { CatalogError } from '../catalog/load.js';

/** Every configured route's settings, as its adapter reads them: the first problem stops the start. */
export function checkRouteSettings(adapters: ReadonlyMap<string, ProviderAdapter>, catalog: Catalog): void {
  for (const model of catalog.list()) {
    for (const route of model.routes) {
      const problem = adapters.get(route.provider)?.checkRoute?.(route);
      if (problem) throw new CatalogError('catalog', `models.${model.id}.routes`, `route ${route.id}: ${problem}`);
    }
  }
}

/** Every adapter's failures are cleaned of the route's key here, whatever the adapter's own messages quote. */
export function createProviderRegistry(config: Pick<GatewayConfig, 'vertex' | 'azureApiVersion'>): Map<string, ProviderAdapter> {
  const adapters: ProviderAdapter[] = [
    createLocalAdapter(),
    createOpenAIAdapter(),
    createGeminiAdapter(),
    createArkAdapter(),
    createDashScopeAdapter(),
    createXaiAdapter(),
    createStabilityAdapter(),
    createVertexAdapter(config.vertex),
    createAzureOpenAIAdapter({ apiVersion: config.azureApiVersion }),
    createOpenAICompatibleAdapter(),
    createBflAdapter(),
    createFalAdapter(),
    createReplicateAdapter(),
    createComfyUIAdapter(),
  ];
  return withCredentialRedaction(new Map(adapters.map((a) => [a.name, a])));
}
