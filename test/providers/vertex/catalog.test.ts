/** Which Google routes the catalog offers by which credentials, and the real endpoints they default to. */
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../src/catalog/catalog.js';
import { loadCatalogData } from '../../../src/catalog/load.js';
import { loadConfig } from '../../../src/config/config.js';
import { vertexEndpoint } from '../../../src/providers/vertex/endpoint.js';

const IMAGEN_4 = ['imagen-4.0-generate-001', 'imagen-4.0-ultra-generate-001', 'imagen-4.0-fast-generate-001'];
const VERTEX_ONLY = ['imagen-3.0-generate-002', 'imagen-3.0-capability-001'];
const catalog = (env: Record<string, string>) => new Catalog(loadCatalogData(), env);

describe('vertex and imagen catalog entries', () => {
  it('offers every Imagen model on Vertex when GOOGLE_APPLICATION_CREDENTIALS is set, its path as the route key', () => {
    const c = catalog({ GOOGLE_APPLICATION_CREDENTIALS: '/etc/sa.json' });
    for (const id of [...IMAGEN_4, ...VERTEX_ONLY]) {
      expect(c.resolve(id)!.routes).toEqual([expect.objectContaining({ provider: 'vertex', apiKey: '/etc/sa.json', upstreamModel: id, baseUrl: '' })]);
    }
  });

  it('offers Imagen 4 through the Gemini API with GEMINI_API_KEY alone, and the Vertex-only models not at all', () => {
    const c = catalog({ GEMINI_API_KEY: 'k' });
    for (const id of IMAGEN_4) expect(c.resolve(id)!.routes.map((r) => r.provider)).toEqual(['gemini']);
    for (const id of VERTEX_ONLY) expect(c.isKnownButUnavailable(id) && !c.resolve(id)).toBe(true);
  });

  it('lists both clouds for Imagen 4 and Nano Banana when both are configured, in failover order', () => {
    const c = catalog({ GEMINI_API_KEY: 'k', GOOGLE_APPLICATION_CREDENTIALS: '/etc/sa.json' });
    expect(c.resolve('imagen-4')!.routes.map((r) => [r.provider, r.priority])).toEqual([
      ['vertex', 0],
      ['gemini', 1],
    ]);
    expect(c.resolve('nano-banana')!.routes.map((r) => [r.provider, r.priority])).toEqual([
      ['gemini', 0],
      ['vertex', 1],
    ]);
    expect(c.resolve('gemini-3-pro-image-preview')!.routes[1]!.options).toEqual({ location: 'global' });
  });

  it('defaults to the regional Vertex host, and the global host for the global location', () => {
    const route = catalog({ GOOGLE_APPLICATION_CREDENTIALS: '/etc/sa.json' }).resolve('imagen-4')!.routes[0]!;
    expect(vertexEndpoint(route, { project: 'p', location: 'us-central1' }, 't').url('predict')).toBe(
      'https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google/models/imagen-4.0-generate-001:predict',
    );
    expect(vertexEndpoint(route, { project: 'p', location: 'global' }, 't').url('generateContent')).toMatch(
      /^https:\/\/aiplatform\.googleapis\.com\/v1\/projects\/p\/locations\/global\//,
    );
  });

  it('reads project, location and the token endpoint from the environment, with Google defaults', () => {
    expect(loadConfig({}).vertex).toEqual({ project: undefined, location: 'us-central1', tokenUrl: 'https://oauth2.googleapis.com/token' });
    expect(
      loadConfig({ GOOGLE_CLOUD_PROJECT: 'p', GOOGLE_CLOUD_LOCATION: 'europe-west4', IMAGEGATE_GOOGLE_TOKEN_URL: 'http://127.0.0.1:9/token' }).vertex,
    ).toEqual({
      project: 'p',
      location: 'europe-west4',
      tokenUrl: 'http://127.0.0.1:9/token',
    });
  });
});
