/**
 * Azure OpenAI's Images API, as data (Azure OpenAI REST reference; the `AzureOpenAI` client of the `openai`
 * npm package): the same bodies as OpenAI's, sent to one of two URL styles on the customer's resource.
 *
 * - `deployments`: `{endpoint}/openai/deployments/{deployment}/images/{generations|edits}?api-version=…`;
 *   the deployment decides the model.
 * - `v1`: `{endpoint}/openai/v1/images/{generations|edits}` with the deployment named in `model`; no
 *   api-version.
 *
 * Route options read (catalog `routes[].options`):
 * - `deployment`: the deployment's name on the resource (default: the route's upstream model, the name
 *   Azure's portal suggests);
 * - `api`: `deployments` (default) or `v1`;
 * - `api_version`: for the deployments style, overrides OPENAI_API_VERSION for this route (a region that
 *   has an older or newer version).
 */
import type { Endpoint } from '../openai/mapping.js';

export const WHO = 'Azure OpenAI';

export const API_STYLES = ['deployments', 'v1'] as const;
export type ApiStyle = (typeof API_STYLES)[number];

/** Azure serves generations and edits; it has no /images/variations. */
export const AZURE_ENDPOINTS: readonly Endpoint[] = ['generations', 'edits'];

/** Azure names each answer's request in apim-request-id (its support asks for it); OpenAI's header as a fallback. */
export const REQUEST_ID_HEADERS: readonly string[] = ['apim-request-id', 'x-request-id'];

/** The resource endpoint without a trailing slash or `/openai` (operators paste either form). */
export const resourceRoot = (baseUrl: string) => baseUrl.replace(/\/+$/, '').replace(/\/openai$/, '');

export function imagesUrl(root: string, style: ApiStyle, deployment: string, endpoint: Endpoint, apiVersion: string): string {
  if (style === 'v1') return `${root}/openai/v1/images/${endpoint}`;
  return `${root}/openai/deployments/${encodeURIComponent(deployment)}/images/${endpoint}?api-version=${encodeURIComponent(apiVersion)}`;
}

/** Inner error codes Azure's content filtering answers with. */
export const CONTENT_FILTER_CODES: readonly string[] = [
  'content_filter', // a prompt or image refused by the content filter (GPT Image)
  'contentFilter', // DALL·E's older answer ("Your task failed as a result of our safety system.")
  'content_policy_violation', // DALL·E 3
  'moderation_blocked', // OpenAI's own code, relayed for GPT Image
  'ResponsibleAIPolicyViolation', // the inner error's code
];

/** Codes that say the route itself is wrong (deployment, operation): the operator's to fix; another route may serve. */
export const OPERATOR_CODES: readonly string[] = ['DeploymentNotFound', 'OperationNotSupported'];
