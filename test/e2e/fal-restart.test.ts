/**
 * A gateway process killed while a task follows a fal.ai request: the new process follows the same request
 * from its persisted handle (no second submission) and the task is charged once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FalFake, startFalFake } from '../fakes/fal.js';
import { databases } from '../support/databases.js';
import { killMidJob } from '../support/killed-mid-job.js';

describe.each(databases())('fal.ai request across a killed process on $name', ({ make }) => {
  let fal: FalFake;
  beforeAll(async () => {
    fal = await startFalFake();
  });
  afterAll(async () => fal?.close());

  it('resumes following the same fal request after SIGKILL and a restart: one submission, charged once', async () => {
    fal.reset();
    fal.queuedPolls = 1_000_000;
    const request = () => [...fal.queue.values()][0];
    const { task, balance, start } = await killMidJob({
      db: await make(),
      env: { FAL_KEY: fal.apiKey, FAL_BASE_URL: fal.url },
      body: { model: 'fal-flux-dev', prompt: 'a kite over the dunes', n: 2 },
      followed: () => (request()?.polls ?? 0) > 0,
      release: () => {
        request()!.queuedPolls = request()!.polls;
      },
    });
    expect(task.status).toBe('succeeded');
    expect(task.data).toHaveLength(2);
    expect(fal.submissions).toHaveLength(1);
    expect(balance).toMatchObject({ available: start - 50_000, held: 0 });
  }, 90_000);
});
