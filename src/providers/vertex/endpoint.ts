/**
 * Where a Vertex AI publisher model is: `https://{location}-aiplatform.googleapis.com/v1/projects/{project}/
 * locations/{location}/publishers/google/models/{model}:{method}` (Vertex AI REST reference), authorised by a
 * service account's access token. A route's options `project` and `location` override the gateway's, so one
 * model can have routes in several regions; a base URL (VERTEX_BASE_URL or the route's) replaces the host.
 */
import { GatewayError } from '../../domain/errors.js';
import type { Route } from '../../domain/adapter.js';
import type { GoogleEndpoint } from '../gemini/endpoint.js';
import type { VertexSettings } from '../../config/config.js';

export const WHO = 'Vertex AI';

/** Google's host for a location; `global` has no regional prefix. */
export function vertexHost(location: string): string {
  return location === 'global' ? 'https://aiplatform.googleapis.com' : `https://${location}-aiplatform.googleapis.com`;
}

const option = (route: Route, name: string): string | undefined => {
  const v = route.options[name];
  return typeof v === 'string' && v ? v : undefined;
};

export interface VertexPlace {
  project: string;
  location: string;
}

/** The project and location a route's calls go to; without a project anywhere the route cannot be called. */
export function placeOf(route: Route, settings: VertexSettings, accountProject: string | undefined): VertexPlace {
  const project = option(route, 'project') ?? settings.project ?? accountProject;
  if (!project) {
    throw new GatewayError(
      'upstream_error',
      'Vertex AI needs a project: set GOOGLE_CLOUD_PROJECT (or project_id in the service account file); the operator must fix it.',
      {
        retryable: true,
      },
    );
  }
  return { project, location: option(route, 'location') ?? settings.location };
}

export function vertexEndpoint(route: Route, place: VertexPlace, accessToken: string): GoogleEndpoint {
  const host = route.baseUrl || vertexHost(place.location);
  const model = encodeURIComponent(route.upstreamModel.replace(/^(publishers\/google\/)?models\//, ''));
  const path = `/v1/projects/${encodeURIComponent(place.project)}/locations/${encodeURIComponent(place.location)}/publishers/google/models/${model}`;
  return { who: WHO, url: (method) => `${host}${path}:${method}`, headers: { authorization: `Bearer ${accessToken}` } };
}
