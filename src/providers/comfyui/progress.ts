/**
 * A prompt's progress from ComfyUI's `progress` messages ({node, value, max}, one per sampling step). With
 * several sampling nodes (a base and a refiner KSampler, an upscaler's second pass) each is weighed by its
 * steps: percent = steps done over all steps, where a node not yet heard from counts with the `steps` input
 * the queued workflow gives it, and a node ComfyUI took from its cache (`execution_cached`) counts for
 * nothing. The figure never goes back and stays below 100 until the history says the prompt is done.
 */
export class ProgressTally {
  private readonly pending: Map<string, number>;
  private readonly heard = new Map<string, { value: number; max: number }>();
  private percent = 0;

  /** `declared`: the steps each sampling node of the queued workflow will run (bind.ts declaredSteps). */
  constructor(declared: ReadonlyMap<string, number> = new Map()) {
    this.pending = new Map(declared);
  }

  get current(): number {
    return this.percent;
  }

  /** Nodes answered from ComfyUI's cache: they run no steps. */
  cached(nodes: readonly string[]): void {
    for (const n of nodes) this.pending.delete(n);
  }

  /** A `progress` message; the new percentage when it moved, else undefined. */
  step(node: string | undefined, value: number, max: number): number | undefined {
    if (!(max > 0) || !(value >= 0)) return undefined;
    const key = node ?? '';
    this.pending.delete(key);
    this.heard.set(key, { value: Math.min(value, max), max });
    let done = 0;
    let total = 0;
    for (const h of this.heard.values()) {
      done += h.value;
      total += h.max;
    }
    for (const steps of this.pending.values()) total += steps;
    const next = Math.min(99, Math.floor((100 * done) / total));
    if (next <= this.percent) return undefined;
    this.percent = next;
    return next;
  }
}
