/**
 * The same adapters, each upstream call handed a sink through which the client sees its answer while it
 * arrives: chat `stream: true` gets pieces (CallContext.onDelta), a b64_json images reply gets the first
 * image's text (CallContext.passThrough). The pipeline builds the call context itself, so the sink is added
 * here, on the way from dispatch to the adapter; adapters that cannot stream ignore it.
 *
 * Once a call has given the client anything, a failure is final: a retry or another route would show the
 * client a second answer after the first half of this one.
 */
import { GatewayError, toGatewayError } from '../core/errors.js';
import type { ImageJob, ImageResult, ResultDelta } from '../core/job.js';
import type { CallContext, ImageTextSink, ProviderAdapter, Route } from './types.js';

/** `withSink(ctx, told)` returns the call's context with the sink in it; the sink calls `told()` when the client got something. */
function withSink(adapters: ReadonlyMap<string, ProviderAdapter>, withSinkIn: (ctx: CallContext, told: () => void) => CallContext): Map<string, ProviderAdapter> {
  const wrap = (a: ProviderAdapter): ProviderAdapter => ({
    name: a.name,
    validate: a.validate?.bind(a),
    resume: a.resume?.bind(a),
    cancel: a.cancel?.bind(a),
    async generate(job: ImageJob, route: Route, ctx: CallContext): Promise<ImageResult> {
      let told = false;
      try {
        return await a.generate(job, route, withSinkIn(ctx, () => (told = true)));
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

export function withDeltas(adapters: ReadonlyMap<string, ProviderAdapter>, onDelta: (delta: ResultDelta) => void): Map<string, ProviderAdapter> {
  return withSink(adapters, (ctx, told) => ({
    ...ctx,
    onDelta: (d) => {
      told();
      onDelta(d);
    },
  }));
}

export function withPassThrough(adapters: ReadonlyMap<string, ProviderAdapter>, sink: ImageTextSink): Map<string, ProviderAdapter> {
  return withSink(adapters, (ctx, told) => ({
    ...ctx,
    passThrough: {
      write: (piece) => {
        told();
        return sink.write(piece);
      },
    },
  }));
}
