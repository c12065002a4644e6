/**
 * The Black Forest Labs adapter (FLUX): FLUX 1.1 [pro], 1.1 [pro] Ultra, FLUX.1 [dev], and FLUX.1 Kontext
 * [pro] / [max] for editing, each reached through a catalog model whose upstream model names the endpoint.
 * The job's life cycle (submit, keep the handle, poll, resume after a restart) is the shared one
 * (upstream-job.ts); protocol.ts says how BFL speaks it.
 *
 * Route options read: `region` (`global`, `eu`, `us`) sends the route to that BFL endpoint instead of its
 * base URL (BFL_BASE_URL).
 */
import type { ProviderAdapter } from '../../domain/adapter.js';
import { type PollSchedule, upstreamJobAdapter } from '../upstream-job.js';
import { regionProblem } from './endpoint.js';
import { planJob } from './plan.js';
import { bflProtocol } from './protocol.js';

/** `schedule`: how often jobs are polled (tests poll faster). */
export function createBflAdapter(schedule?: PollSchedule): ProviderAdapter {
  return upstreamJobAdapter('bfl', bflProtocol(schedule), {
    validate: (job, route) => void planJob(job, route),
    checkRoute: regionProblem,
  });
}
