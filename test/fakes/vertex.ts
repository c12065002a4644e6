/**
 * A fake Vertex AI (Vertex AI REST reference): publisher models under
 * `/v1/projects/{project}/locations/{location}/publishers/google/models/{model}:{method}`, authorised by an
 * OAuth access token that its GoogleTokenFake handed out (else 401 UNAUTHENTICATED, as Google answers an
 * expired or revoked token). generateContent and streamGenerateContent speak the Gemini fake's protocol;
 * `:predict` is Imagen with the parameters only Vertex takes. It refuses a project it does not host and a
 * location that does not serve the model.
 */
import type { ServerResponse } from 'node:http';
import { GeminiFake, googleError } from './gemini.js';
import type { GoogleTokenFake } from './google-token.js';
import { type RecordedRequest, sendJson } from './http-fake.js';
import { ImagenPredictor } from './imagen.js';

const PATH = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):(generateContent|streamGenerateContent|predict)$/;
/** Gemini 3 Pro Image is served from the global location only (Vertex AI model page). */
const GLOBAL_ONLY = new Set(['gemini-3-pro-image-preview']);

export class VertexFake extends GeminiFake {
  /** Where each request went: project, location, model, method. */
  readonly calls: Array<{ project: string; location: string; model: string; method: string }> = [];

  constructor(
    private readonly tokens: GoogleTokenFake,
    readonly project = 'imagegate-test',
  ) {
    super('unused-on-vertex', new ImagenPredictor('vertex'));
    this.routes.unshift({ method: 'POST', path: PATH, handle: (r, res, m) => this.vertex(r, res, m) });
  }

  protected override authorized(r: RecordedRequest, res: ServerResponse): boolean {
    const auth = String(r.headers.authorization ?? '');
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (token && this.tokens.issued.has(token)) return true;
    sendJson(
      res,
      401,
      googleError(
        401,
        'UNAUTHENTICATED',
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      ),
    );
    return false;
  }

  override reset(): void {
    super.reset();
    this.calls.length = 0;
  }

  private async vertex(r: RecordedRequest, res: ServerResponse, m: RegExpExecArray): Promise<void> {
    const [project, location, model, method] = [m[1]!, m[2]!, m[3]!, m[4]!].map(decodeURIComponent) as [string, string, string, string];
    this.calls.push({ project, location, model, method });
    if (!this.authorized(r, res)) return;
    if (project !== this.project) return sendJson(res, 403, googleError(403, 'PERMISSION_DENIED', `Permission denied on resource project ${project}.`));
    if (GLOBAL_ONLY.has(model) && location !== 'global')
      return sendJson(
        res,
        404,
        googleError(404, 'NOT_FOUND', `Publisher Model \`projects/${project}/locations/${location}/publishers/google/models/${model}\` was not found.`),
      );
    if (method === 'predict') {
      if (!model.startsWith('imagen-')) return sendJson(res, 400, googleError(400, 'FAILED_PRECONDITION', `${model} does not support predict.`));
      return this.imagen.predict(r, res, model);
    }
    if (method === 'streamGenerateContent' && r.query.get('alt') !== 'sse')
      return sendJson(res, 400, googleError(400, 'INVALID_ARGUMENT', 'fake: streamGenerateContent is only served with alt=sse.'));
    return this.generateContent(r, res, model, method === 'streamGenerateContent');
  }
}
