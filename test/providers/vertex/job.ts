/** The Vertex adapter tests' defaults: a token endpoint, a Vertex fake, a service account, and routes to them. */
import type { Route } from '../../../src/domain/adapter.js';
import type { ImageJob } from '../../../src/domain/job.js';
import type { ProviderAdapter } from '../../../src/domain/adapter.js';
import { createVertexAdapter } from '../../../src/providers/vertex/adapter.js';
import { type GoogleTokenFake, startGoogleTokenFake, type TestServiceAccount, writeServiceAccount } from '../../fakes/google-token.js';
import { VertexFake } from '../../fakes/vertex.js';
import { imageJob, upstreamRoute } from '../builders.js';

export { callContext, failure, inputImage, thrown } from '../builders.js';

export interface VertexSetup {
  tokens: GoogleTokenFake;
  vertex: VertexFake;
  account: TestServiceAccount;
  adapter: ProviderAdapter;
  close(): Promise<void>;
}

export async function startVertex(): Promise<VertexSetup> {
  const tokens = await startGoogleTokenFake();
  const account = writeServiceAccount();
  tokens.trust(account);
  const vertex = await new VertexFake(tokens, account.projectId).start();
  const adapter = createVertexAdapter({ location: 'us-central1', tokenUrl: tokens.tokenUrl });
  return { tokens, vertex, account, adapter, close: async () => (await vertex.close(), await tokens.close()) };
}

export const job = (over: Partial<ImageJob> = {}): ImageJob => imageJob({ model: 'imagen-4.0-generate-001', prompt: 'a lighthouse at dawn', ...over });

/** A Vertex route as the catalog builds one: the key is the service account file's path. */
export const vertexRoute = (s: VertexSetup, upstreamModel = 'imagen-4.0-generate-001', over: Partial<Route> = {}): Route =>
  upstreamRoute('vertex', s.vertex.url, upstreamModel, { apiKey: s.account.path, ...over });
