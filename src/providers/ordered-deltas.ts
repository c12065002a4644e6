/**
 * The pieces of n concurrent upstream calls, passed on so that two calls never interleave: the first call's
 * pieces go out live; a later call's wait until every earlier call has finished, are then flushed, and go
 * out live from there. A call that fails drops the pieces it was still holding back, as the whole-result
 * path drops a failed call's output.
 */
import type { ResultDelta } from '../domain/job.js';

type Sink = (delta: ResultDelta) => void;

export class OrderedDeltas {
  private readonly held: ResultDelta[][];
  private readonly finished: boolean[];
  /** The call whose pieces currently go out live. */
  private live = 0;

  constructor(
    private readonly out: Sink,
    private readonly calls: number,
  ) {
    this.held = Array.from({ length: calls }, () => []);
    this.finished = Array.from({ length: calls }, () => false);
  }

  sink(call: number): Sink {
    return (delta) => {
      if (call === this.live) this.out(delta);
      else this.held[call]!.push(delta);
    };
  }

  done(call: number, ok: boolean): void {
    this.finished[call] = true;
    if (!ok) this.held[call]!.length = 0;
    while (this.live < this.calls && this.finished[this.live]) {
      this.live++;
      if (this.live < this.calls) {
        for (const d of this.held[this.live]!.splice(0)) this.out(d);
      }
    }
  }
}
