/**
 * The fal.ai adapter: any image model on fal's queue, named by the catalog route's upstream model (its fal
 * model id, `fal-ai/flux/dev`) with its input mapping in the route's options (inputs.ts). The job's life cycle
 * (submit, keep the handle, poll, resume after a restart, cancel) is the shared one (upstream-job.ts);
 * protocol.ts says how fal's queue speaks it.
 *
 * Route options read: `input.size`, `size_format`, `input.n`, `input.image`, `input.images`, `input.mask`.
 */
import type { ProviderAdapter } from '../../domain/adapter.js';
import { type PollSchedule, upstreamJobAdapter } from '../upstream-job.js';
import { inputProblem } from './inputs.js';
import { planJob } from './plan.js';
import { falProtocol } from './protocol.js';

/** `schedule`: how often requests are polled (tests poll faster). */
export function createFalAdapter(schedule?: PollSchedule): ProviderAdapter {
  return upstreamJobAdapter('fal', falProtocol(schedule), {
    validate: (job, route) => void planJob(job, route),
    checkRoute: inputProblem,
  });
}
