/**
 * Sync → task handover. A synchronous request to a task-style upstream (DashScope's wan2.5 and older) waits
 * for the upstream task up to the model's time limit. When that runs out the upstream is still making the
 * image, and a client that retried would pay for a second one. Instead the request's hold moves to a new
 * imagegate task whose worker resumes polling the same upstream task, and the 504 names the task to poll.
 */
import { GatewayError } from '../domain/errors.js';
import type { ExecuteOptions, PreparedJob } from '../pipeline/pipeline.js';
import type { TaskService } from '../tasks/service.js';

export class TimeoutHandover {
  /** Upstream task id → the route that created it (the timeout error only carries the id). */
  private readonly routes = new Map<string, string>();
  private taskId: string | undefined;

  constructor(
    private readonly tasks: TaskService,
    private readonly endpoint: string,
    private readonly publicUrl: string,
  ) {}

  /** The execute() hooks of one synchronous request. */
  get options(): Pick<ExecuteOptions, 'onUpstreamTask' | 'onTimeoutHandover'> {
    return {
      onUpstreamTask: (id, routeId) => void this.routes.set(id, routeId),
      onTimeoutHandover: (err, prepared) => this.adopt(err, prepared),
    };
  }

  private async adopt(err: GatewayError, prepared: PreparedJob): Promise<boolean> {
    const upstreamId = err.details?.upstream_task_id;
    const routeId = typeof upstreamId === 'string' ? this.routes.get(upstreamId) : undefined;
    if (typeof upstreamId !== 'string' || !routeId) return false;
    const row = await this.tasks.adopt(prepared, this.endpoint, { taskId: upstreamId, routeId });
    this.taskId = row?.id;
    return row !== undefined;
  }

  /** The error the client gets: unchanged, or — when a task took over — the 504 that says which task to poll. */
  explain(err: GatewayError): GatewayError {
    const id = this.taskId;
    if (!id || err.code !== 'upstream_timeout') return err;
    return new GatewayError(
      'upstream_timeout',
      `The model's time limit ran out while the upstream was still generating. The work goes on as task ${id}: poll GET /v1/tasks/${id} for the images, which are charged once, when they are ready. Sending this request again would generate and charge again.`,
      { details: { ...err.details, task_id: id, poll_url: `${this.publicUrl}/v1/tasks/${id}` }, upstreamRequestId: err.upstreamRequestId, cause: err },
    );
  }
}

/** The task a handed-over error points to: such a 504 is final (a retry would pay twice), unlike other 5xx. */
export function handedOverTask(err: GatewayError): string | undefined {
  const id = err.code === 'upstream_timeout' ? err.details?.task_id : undefined;
  return typeof id === 'string' ? id : undefined;
}
