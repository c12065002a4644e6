/**
 * The Azure OpenAI adapter: GPT Image and DALL·E 3 deployments on a customer's Azure resource. The protocol
 * is OpenAI's Images API, so planning, bodies, streaming and answers are the OpenAI adapter's
 * (createImagesApiAdapter); only the URL, the credential header and the error codes are Azure's.
 */
import type { ProviderAdapter } from '../../domain/adapter.js';
import type { Operation } from '../../domain/job.js';
import { invalidRequest } from '../../domain/errors.js';
import { OPENAI_FLAVOUR } from '../openai/adapter.js';
import { createImagesApiAdapter } from '../openai/images-api-adapter.js';
import { toResult } from '../openai/response.js';
import { ENDPOINT_OF } from '../openai/mapping.js';
import { toError } from './errors.js';
import { AZURE_ENDPOINTS, REQUEST_ID_HEADERS, WHO } from './mapping.js';
import { azureTarget, readRouteOptions } from './target.js';

export interface AzureOptions {
  /** OPENAI_API_VERSION (config.azureApiVersion): the api-version of deployment-style URLs, unless a route names its own. */
  apiVersion: string;
}

export function createAzureOpenAIAdapter({ apiVersion }: AzureOptions): ProviderAdapter {
  // OpenAI's fields, model profiles and answers; Azure's URLs, credential header, request ids and errors.
  const images = createImagesApiAdapter({
    ...OPENAI_FLAVOUR,
    name: 'azure',
    who: WHO,
    routeOptionHeaders: {},
    toResult: (body, job, upstreamRequestId) => toResult(body, job, upstreamRequestId, WHO),
    target: (route) => azureTarget(route, apiVersion),
    checkRoute: (route) => {
      const options = readRouteOptions(route, apiVersion);
      if ('problem' in options) return options.problem;
      // The model's contract must not promise through this route what Azure has no endpoint for.
      const missing = (Object.keys(route.model.operations) as Operation[]).filter((op) => !AZURE_ENDPOINTS.includes(ENDPOINT_OF[op]));
      return missing.length ? `${WHO} has no endpoint for ${missing.join(', ')}; list the route's operations in accepts.operations` : undefined;
    },
    toError,
    requestIdHeaders: REQUEST_ID_HEADERS,
  });
  return {
    ...images,
    validate(job, route) {
      if (!AZURE_ENDPOINTS.includes(ENDPOINT_OF[job.operation])) {
        throw invalidRequest('model', `${WHO} has no ${job.operation} endpoint; send this request to a model served elsewhere.`);
      }
      images.validate?.(job, route);
    },
  };
}
