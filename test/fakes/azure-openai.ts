/**
 * A fake Azure OpenAI resource on 127.0.0.1 (Azure OpenAI REST reference, "image generation" how-to): the
 * OpenAI Images protocol of openai.ts under Azure's paths, auth and errors.
 *
 * - `POST /openai/deployments/{deployment}/images/{generations|edits}?api-version=…`: the deployment decides
 *   the model (whatever the body names); api-version is required and must be one the resource knows.
 * - `POST /openai/v1/images/{generations|edits}`: the body's `model` names the deployment.
 * - Auth: `api-key: <key>`, or `Authorization: Bearer <Entra token>`; anything else is Azure's 401.
 * - No /images/variations (Azure serves none): 404, as for any unknown path.
 * - Errors in Azure's shapes: 404 DeploymentNotFound, 429 with Retry-After, and content filtering as GPT
 *   Image answers it (`content_filter` with `innererror.content_filter_result`), as DALL·E 3 does
 *   (`content_policy_violation` with `inner_error.content_filter_results`) and as older DALL·E did
 *   (`contentFilter`).
 * Every answer carries `apim-request-id`. HttpFake's latency, drop and fail knobs apply as for OpenAI's fake.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { type RecordedRequest, sendJson } from './http-fake.js';
import { type Endpoint, OpenAIFake } from './openai.js';

export type ContentFilterShape = 'gpt-image' | 'dall-e-3' | 'legacy';

/** A resource's answer to an unknown path or api-version: Azure's terse 404. */
const RESOURCE_NOT_FOUND = { error: { code: '404', message: 'Resource not found' } };

const INVALID_KEY = {
  error: {
    code: '401',
    message:
      'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
  },
};

const SAFE = { filtered: false, severity: 'safe' } as const;

function contentFilterBody(shape: ContentFilterShape): unknown {
  switch (shape) {
    case 'gpt-image':
      return {
        error: {
          code: 'content_filter',
          message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.",
          param: 'prompt',
          type: null,
          innererror: {
            code: 'ResponsibleAIPolicyViolation',
            content_filter_result: {
              hate: SAFE,
              self_harm: SAFE,
              sexual: { filtered: true, severity: 'high' },
              violence: SAFE,
              jailbreak: { filtered: false, detected: false },
            },
          },
        },
      };
    case 'dall-e-3':
      return {
        error: {
          code: 'content_policy_violation',
          inner_error: {
            code: 'ResponsibleAIPolicyViolation',
            content_filter_results: { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: { filtered: true, severity: 'medium' } },
          },
          message: 'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.',
          type: 'invalid_request_error',
        },
      };
    case 'legacy':
      return { error: { code: 'contentFilter', message: 'Your task failed as a result of our safety system.' } };
  }
}

export interface AzureFakeOptions {
  apiKey?: string;
  token?: string;
  /** Deployment name → the model it serves. */
  deployments?: Record<string, string>;
  apiVersions?: readonly string[];
}

export class AzureOpenAIFake extends OpenAIFake {
  readonly token: string;
  readonly deployments: Record<string, string>;
  readonly apiVersions: readonly string[];
  private readonly filters: ContentFilterShape[] = [];
  private readonly azureErrors: Array<{ status: number; body: unknown; headers: Record<string, string> }> = [];

  constructor(opts: AzureFakeOptions = {}) {
    super(opts.apiKey ?? 'azure-fake-key');
    this.token = opts.token ?? 'entra-fake-token';
    this.deployments = opts.deployments ?? {
      'gpt-image-1': 'gpt-image-1',
      'gpt-image-1.5': 'gpt-image-1.5',
      'dall-e-3': 'dall-e-3',
      'east-gpt-image': 'gpt-image-1',
    };
    this.apiVersions = opts.apiVersions ?? ['2025-04-01-preview', '2025-06-01-preview', '2024-10-21', '2024-02-01'];
    // Azure's paths, not OpenAI's /v1/images (the hosted files of DALL·E url answers stay).
    this.routes.splice(
      this.routes.findIndex((route) => route.path.source.includes('images')),
      1,
    );
    this.routes.push(
      {
        method: 'POST',
        path: /^\/openai\/deployments\/([^/]+)\/images\/(generations|edits)$/,
        handle: (r, res, m) => this.deploymentCall(r, res, decodeURIComponent(m[1]!), m[2] as Endpoint),
      },
      { method: 'POST', path: /^\/openai\/v1\/images\/(generations|edits)$/, handle: (r, res, m) => this.v1Call(r, res, m[1] as Endpoint) },
    );
    this.knobs.failBody = { error: { code: 'InternalServerError', message: 'The server had an error while processing your request.' } };
  }

  override reset(): void {
    super.reset();
    this.knobs.failBody = { error: { code: 'InternalServerError', message: 'The server had an error while processing your request.' } };
    this.filters.length = 0;
    this.azureErrors.length = 0;
  }

  /** The next image request (after auth) is refused by the content filter, in this model family's shape. */
  filterNext(shape: ContentFilterShape): void {
    this.filters.push(shape);
  }

  /** The next image request (after auth) is answered with this Azure error body. */
  failNextWithAzure(status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.azureErrors.push({ status, body, headers });
  }

  /** Azure's answers carry its content filter's verdicts: per image, and for the prompt. */
  protected override hostAnswer(reply: Record<string, unknown>): Record<string, unknown> {
    const verdicts = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };
    const data = Array.isArray(reply.data) ? reply.data.map((d: Record<string, unknown>) => ({ ...d, content_filter_results: verdicts })) : reply.data;
    return {
      ...reply,
      data,
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: { ...verdicts, jailbreak: { filtered: false, detected: false } } }],
    };
  }

  protected override hostHeaders(): Record<string, string> {
    return { 'apim-request-id': randomUUID() };
  }

  protected override authorize(r: RecordedRequest, res: ServerResponse): boolean {
    if (r.headers['api-key'] === this.apiKey || r.headers.authorization === `Bearer ${this.token}`) return true;
    this.azureReply(res, 401, INVALID_KEY);
    return false;
  }

  private azureReply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    sendJson(res, status, body, { ...this.hostHeaders(), ...headers });
  }

  /** A queued refusal, answered after auth as the real resource would; true when one was sent. */
  private refusedAfterAuth(res: ServerResponse): boolean {
    const error = this.azureErrors.shift();
    if (error) {
      this.azureReply(res, error.status, error.body, error.headers);
      return true;
    }
    const filter = this.filters.shift();
    if (filter) {
      this.azureReply(res, 400, contentFilterBody(filter));
      return true;
    }
    return false;
  }

  private async deploymentCall(r: RecordedRequest, res: ServerResponse, deployment: string, endpoint: Endpoint): Promise<void> {
    const version = r.query.get('api-version');
    if (!version || !this.apiVersions.includes(version)) return this.azureReply(res, 404, RESOURCE_NOT_FOUND);
    await this.deployed(r, res, deployment, endpoint);
  }

  private async v1Call(r: RecordedRequest, res: ServerResponse, endpoint: Endpoint): Promise<void> {
    const version = r.query.get('api-version');
    if (version !== null && version !== 'preview' && version !== 'latest') return this.azureReply(res, 404, RESOURCE_NOT_FOUND);
    const named = modelField(r);
    if (named === undefined) {
      return this.azureReply(res, 400, { error: { code: 'missing_required_parameter', message: "Missing required parameter: 'model'.", param: 'model' } });
    }
    await this.deployed(r, res, named, endpoint);
  }

  private async deployed(r: RecordedRequest, res: ServerResponse, deployment: string, endpoint: Endpoint): Promise<void> {
    const model = this.deployments[deployment];
    // images() checks auth again; the check has no side effect on success.
    if (!this.authorize(r, res)) return;
    if (model === undefined) {
      return this.azureReply(res, 404, {
        error: {
          code: 'DeploymentNotFound',
          message:
            'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.',
        },
      });
    }
    if (this.refusedAfterAuth(res)) return;
    await this.images(r, res, endpoint, model);
  }
}

/** The body's `model`: a JSON field or a multipart part. */
function modelField(r: RecordedRequest): string | undefined {
  if (r.json && typeof r.json === 'object' && !Array.isArray(r.json)) {
    const model = (r.json as Record<string, unknown>).model;
    return typeof model === 'string' ? model : undefined;
  }
  const m = /name="model"\r\n\r\n([^\r]*)\r\n/.exec(r.body.toString('latin1'));
  return m?.[1];
}

export async function startAzureOpenAIFake(opts: AzureFakeOptions = {}): Promise<AzureOpenAIFake> {
  return new AzureOpenAIFake(opts).start();
}
