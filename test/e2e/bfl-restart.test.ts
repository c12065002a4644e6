/**
 * A gateway process killed while a task follows a Black Forest Labs job: the new process follows the same
 * job from its persisted handle (no second submission) and the task is charged once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BflFake, startBflFake } from '../fakes/bfl.js';
import { databases } from '../support/databases.js';
import { killMidJob } from '../support/killed-mid-job.js';

describe.each(databases())('Black Forest Labs job across a killed process on $name', ({ make }) => {
  let bfl: BflFake;
  beforeAll(async () => {
    bfl = await startBflFake();
  });
  afterAll(async () => bfl?.close());

  it('resumes polling the same BFL job after SIGKILL and a restart: one submission, charged once', async () => {
    bfl.reset();
    bfl.pollsToFinish = 1_000_000;
    const job = () => [...bfl.jobs.values()][0];
    const { task, balance, start } = await killMidJob({
      db: await make(),
      env: { BFL_API_KEY: bfl.apiKey, BFL_BASE_URL: bfl.url },
      body: { model: 'flux-dev', prompt: 'a fox in the snow', size: '512x512' },
      followed: () => (job()?.polls ?? 0) > 0,
      release: () => {
        job()!.pollsToFinish = job()!.polls + 1;
      },
    });
    expect(task.status).toBe('succeeded');
    expect(bfl.submissions).toHaveLength(1);
    expect(job()!.polls).toBeGreaterThan(job()!.pollsToFinish);
    expect(balance).toMatchObject({ available: start - 25_000, held: 0 });
  }, 90_000);
});
