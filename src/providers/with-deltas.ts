/**
 * The same adapters, each upstream call told (through CallContext.onDelta) to report the pieces of its
 * answer as they arrive, for a client that reads a stream. The pipeline builds the call context itself, so
 * the sink is added here, on the way from dispatch to the adapter; adapters that cannot stream ignore it.
 *
 * Once a call has reported a piece the client has seen it: a failure after that is final, since a retry or
 * another route would show the client a second answer after the first half of this one.
 */
import { GatewayError, toGatewayError } from '../core/errors.js';
import type { ImageJob, ImageResult, ResultDelta } from '../core/job.js';
import type { CallContext, ProviderAdapter, Route } from './types.js';

export function withDeltas(adapters: ReadonlyMap<string, ProviderAdapter>, onDelta: (delta: ResultDelta) => void): Map<string, ProviderAdapter> {
  const wrap = (a: ProviderAdapter): ProviderAdapter => ({
    name: a.name,
    validate: a.validate?.bind(a),
    resume: a.resume?.bind(a),
    cancel: a.cancel?.bind(a),
    async generate(job: ImageJob, route: Route, ctx: CallContext): Promise<ImageResult> {
      let told = false;
      try {
        return await a.generate(job, route, {
          ...ctx,
          onDelta: (d) => {
            told = true;
            onDelta(d);
          },
        });
      } catch (e) {
        const err = toGatewayError(e);
        if (!told || !err.retryable) throw err;
        throw new GatewayError(err.code, err.message, {
          param: err.param,
          retryable: false,
          details: err.details,
          upstreamRequestId: err.upstreamRequestId,
          cause: err,
        });
      }
    },
  });
  return new Map([...adapters].map(([name, a]) => [name, wrap(a)]));
}
