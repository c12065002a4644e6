/** Reading a Replicate prediction object: each status, the progress its logs show, and its output files. */
import { describe, expect, it } from 'vitest';
import { checkOf, progressFromLogs } from '../../../src/providers/replicate/response.js';
import { failure } from './job.js';

const one = { n: 1 };

describe('replicate: a prediction object', () => {
  it('is still running while starting, processing, or in a status newer than this code', () => {
    expect(checkOf({ id: 'p1', status: 'starting', logs: '' }, one)).toEqual({ state: 'waiting' });
    expect(checkOf({ id: 'p1', status: 'processing', logs: 'loading weights\n' }, one)).toEqual({ state: 'waiting' });
    expect(checkOf({ id: 'p1', status: 'queued-somewhere-else' }, one)).toEqual({ state: 'waiting' });
  });

  it('reports the last tqdm percentage of the logs, bars written with carriage returns included', () => {
    const logs = 'Using seed: 7\n  0%|          | 0/28 [00:00<?, ?it/s]\r 46%|████▋     | 13/28 [00:02<00:02,  6.1it/s]\r';
    expect(progressFromLogs(logs)).toBe(46);
    expect(checkOf({ id: 'p1', status: 'processing', logs }, one)).toEqual({ state: 'waiting', progress: 46 });
    expect(progressFromLogs('no bar here\n')).toBeUndefined();
  });

  it('reads one output URL or a list of them, typed by their extension', () => {
    const list = checkOf(
      { id: 'p1', status: 'succeeded', output: ['https://replicate.delivery/a/out-0.webp', 'https://replicate.delivery/a/out-1.jpg'] },
      { n: 2 },
    );
    expect(list).toEqual({
      state: 'done',
      result: {
        images: [
          { payload: { kind: 'remote', url: 'https://replicate.delivery/a/out-0.webp', mime: 'image/webp' } },
          { payload: { kind: 'remote', url: 'https://replicate.delivery/a/out-1.jpg', mime: 'image/jpeg' } },
        ],
        failedCount: 0,
        upstreamRequestId: 'p1',
      },
    });
    const single = checkOf({ id: 'p2', status: 'succeeded', output: 'https://replicate.delivery/b/out.png' }, one);
    expect(single.state === 'done' && single.result.images[0]!.payload).toEqual({
      kind: 'remote',
      url: 'https://replicate.delivery/b/out.png',
      mime: 'image/png',
    });
  });

  it('refuses output it cannot deliver: removed data, no image, or something that is no file', async () => {
    expect((await failure(() => checkOf({ id: 'p1', status: 'succeeded', output: null, data_removed: true }, one))).message).toContain('removed');
    expect((await failure(() => checkOf({ id: 'p1', status: 'succeeded', output: [] }, one))).message).toContain('without an image');
    expect((await failure(() => checkOf({ id: 'p1', status: 'succeeded', output: [{ url: 'x' }] }, one))).code).toBe('upstream_error');
    expect((await failure(() => checkOf({ id: 'p1', status: 'succeeded', output: 'ftp://host/a.png' }, one))).message).toContain('ftp:');
  });
});
