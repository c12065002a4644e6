import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/databases.js';

describe("a test run's leftovers", () => {
  it("puts every temp dir under the run's own directory, which the run removes at its end", () => {
    expect(basename(tmpdir())).toMatch(/^imagegate-run-/);
    expect(dirname(tempDir())).toBe(tmpdir());
  });

  it('leaves that directory as open as /tmp, so a PostgreSQL cluster running as its own user reaches its data', () => {
    expect(statSync(tmpdir()).mode & 0o1777).toBe(0o1777);
  });

  it("names PostgreSQL databases with the run's id, so the run's end drops exactly its own", () => {
    expect(process.env.IMAGEGATE_TEST_RUN).toMatch(/^[a-z0-9]{6}$/);
  });
});
