import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GATEWAY_NODE_FLAGS } from '../../bench/gateway.js';

const flagsIn = (command: string) => command.split(/\s+/).filter((w) => w.startsWith('--'));

describe('the Node.js flags imagegate runs with', () => {
  const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
  const shebang = readFileSync('bin/imagegate.js', 'utf8').split('\n')[0]!;

  it('are the same in npm start, bin/imagegate.js and the benchmark, so the figures are those users get', () => {
    expect(flagsIn(shebang.replace(/^#!\/usr\/bin\/env -S /, ''))).toEqual(flagsIn(start));
    expect(GATEWAY_NODE_FLAGS).toEqual(flagsIn(start));
  });

  it('keep V8 to one helper thread for its collector, which competes with the event loop for the cores', () => {
    expect(flagsIn(start)).toContain('--v8-pool-size=1');
  });

  it('set the allocator threshold in both ways of starting', () => {
    expect(start).toContain('MALLOC_MMAP_THRESHOLD_=1048576');
    expect(shebang).toContain('MALLOC_MMAP_THRESHOLD_=1048576');
  });
});
