/**
 * WAL checkpoints on their own thread: the pages the gateway's connection appends to the WAL reach the
 * database file soon after enough commits, or after a quiet second, before the connection's own checkpoint
 * would copy them; the WAL still starts over; closing leaves no WAL behind.
 *
 * The database file grows only when a checkpoint copies pages into it, so its size is what the tests watch.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { BACKSTOP_FRAMES, WalCheckpointer } from '../../src/store/sqlite-checkpointer.js';
import { run } from '../../src/store/transact.js';
import { tempDir } from '../support/databases.js';
import { pollValue } from '../support/wait.js';

const open: Array<{ checkpointer: WalCheckpointer; db: SQLite.Database }> = [];

afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.checkpointer.stop();
    o.db.close();
  }
});

function walDatabase(): { file: string; db: SQLite.Database; checkpointer: WalCheckpointer } {
  const file = join(tempDir(), 'wal.sqlite');
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, blob BLOB NOT NULL)');
  const checkpointer = new WalCheckpointer(file, { start: 'now' });
  open.push({ checkpointer, db });
  return { file, db, checkpointer };
}

/** One commit that adds about two pages (a 6 KB row), reported to the checkpointer as the driver does. */
function commitRow(db: SQLite.Database, checkpointer: WalCheckpointer) {
  db.prepare('INSERT INTO t (blob) VALUES (?)').run(Buffer.alloc(6000, 7));
  checkpointer.committed(0.1);
}

const size = (file: string) => statSync(file).size;

describe('WAL checkpoints on a worker thread', () => {
  it('copies the pages of 200 commits into the database file before the connection would checkpoint', async () => {
    const { file, db, checkpointer } = walDatabase();
    const before = size(file);
    for (let i = 0; i < 200; i++) commitRow(db, checkpointer);
    // ~400 pages: below the connection's own 1000-page checkpoint, so only the thread can have copied them.
    const after = await pollValue(
      async () => size(file),
      (s) => s >= before + 200 * 6000,
      5000,
    );
    expect(after).toBeGreaterThanOrEqual(before + 200 * 6000);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 200 });
  });

  it('copies what a few commits left once they stop, after about a second', async () => {
    const { file, db, checkpointer } = walDatabase();
    const before = size(file);
    for (let i = 0; i < 5; i++) commitRow(db, checkpointer);
    expect(size(file)).toBe(before);
    const after = await pollValue(
      async () => size(file),
      (s) => s >= before + 5 * 6000,
      4000,
    );
    expect(after).toBeGreaterThanOrEqual(before + 5 * 6000);
  });

  it('leaves the WAL file within a few thousand pages under a steady stream of commits', async () => {
    const { file, db, checkpointer } = walDatabase();
    // 3000 commits ≈ 6000 pages ≈ 25 MB of WAL if the log never started over.
    for (let i = 0; i < 3000; i++) {
      commitRow(db, checkpointer);
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    // ~1000 pages alone; up to ~12 MB measured with the other test files running on both cores, when the
    // connection's own checkpoint finds the thread's copy under way and skips.
    expect(size(`${file}-wal`)).toBeLessThan(16 * 1024 * 1024);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 3000 });
  });

  it('reports a thread that cannot open the database, and stops cleanly after', async () => {
    const errors: Error[] = [];
    const checkpointer = new WalCheckpointer(join(tempDir(), 'no-such-dir', 'x.sqlite'), { start: 'now', onError: (err) => errors.push(err) });
    const seen = await pollValue(
      async () => errors.length,
      (n) => n > 0,
      5000,
    );
    expect(seen).toBe(1);
    expect(errors[0]!.message).toMatch(/unable to open|directory does not exist/i);
    await checkpointer.stop();
  });
});

describe('starting the WAL over: the connection holds its writes while the thread copies the last frames', () => {
  it('asks for a hold once the WAL passes 1000 frames, and lets go with every frame copied', async () => {
    const { db, checkpointer } = walDatabase();
    // The connection's own checkpoint must not do the work here.
    db.pragma('wal_autocheckpoint = 0');
    expect(checkpointer.gate()).toBeUndefined();
    // ~2 pages a commit: past 1000 frames well before the 600th commit.
    let held: Promise<void> | undefined;
    for (let i = 0; i < 600 && !held; i++) {
      commitRow(db, checkpointer);
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
      held = checkpointer.gate();
    }
    // Wrapped: an async function would wait for the hold it returns.
    held ??= (
      await pollValue(
        async () => ({ gate: checkpointer.gate() }),
        (g) => g.gate !== undefined,
        3000,
      )
    ).gate;
    expect(held).toBeInstanceOf(Promise);
    // Asked again while held: the same wait, not a second hold.
    expect(checkpointer.gate()).toBe(held);
    await held;
    expect(checkpointer.gate()).toBeUndefined();
    // Everything committed is in the database file, so the next write starts the WAL over at its first frame.
    const [before] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number; checkpointed: number }>;
    expect(before!.log).toBeGreaterThanOrEqual(1000);
    expect(before!.checkpointed).toBe(before!.log);
    commitRow(db, checkpointer);
    const [after] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>;
    expect(after!.log).toBeLessThan(10);
  });

  it("keeps the gateway's WAL under 16 MB over 3000 commits with its own checkpoint only a backstop", async () => {
    const dataDir = tempDir();
    const db = await openDatabase({ dataDir, checkpointThread: 'now' });
    try {
      const { rows } = await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(db.kysely);
      expect(rows[0]!.wal_autocheckpoint).toBe(BACKSTOP_FRAMES);
      // ~2 pages a commit: 6000 frames, ~25 MB of WAL if it never started over, below the backstop's 10000.
      const value = 'v'.repeat(6000);
      for (let i = 0; i < 3000; i++) {
        await db.transact({
          *write() {
            yield* run(db.kysely.insertInto('settings').values({ name: `k${i}`, value }));
          },
        });
      }
      // Without the hold the WAL runs to the backstop, ~40 MB. With it, ~1000 frames plus what is committed
      // while the thread copies: 4–6 MB alone, up to ~11 MB measured with the other test files running on
      // both cores, when the thread's copies are slow.
      expect(statSync(join(dataDir, 'imagegate.sqlite-wal')).size).toBeLessThan(16 * 1024 * 1024);
      const count = await db.kysely
        .selectFrom('settings')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(count.n)).toBe(3000);
    } finally {
      await db.close();
    }
  });

  it('lets go after 100 ms at most, when the thread never answers', async () => {
    const dir = tempDir();
    const raw = new SQLite(join(dir, 'w.sqlite'));
    raw.pragma('journal_mode = WAL');
    // No thread started: no one will let go but the clock.
    const checkpointer = new WalCheckpointer(join(dir, 'w.sqlite'));
    (checkpointer as unknown as { words: Int32Array }).words[2] = 1;
    const t0 = performance.now();
    await checkpointer.gate();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
    expect(performance.now() - t0).toBeLessThan(1000);
    await checkpointer.stop();
    raw.close();
  });
});

describe('starting the thread when checkpoints weigh on the event loop', () => {
  it('does not start it while COMMITs stay fast, however many', async () => {
    const checkpointer = new WalCheckpointer(join(tempDir(), 'lazy.sqlite'));
    for (let i = 0; i < 10_000; i++) checkpointer.committed(0.2);
    expect(checkpointer.started).toBe(false);
    await checkpointer.stop();
  });

  it('starts it once slow COMMITs pass 20 ms within a second', async () => {
    const dir = tempDir();
    const raw = new SQLite(join(dir, 'lazy.sqlite'));
    raw.pragma('journal_mode = WAL');
    const started: number[] = [];
    const checkpointer = new WalCheckpointer(join(dir, 'lazy.sqlite'), { onStart: (ms) => started.push(ms) });
    for (let i = 0; i < 4; i++) checkpointer.committed(5);
    expect(checkpointer.started).toBe(false);
    checkpointer.committed(5);
    expect(checkpointer.started).toBe(true);
    expect(started).toEqual([25]);
    await checkpointer.stop();
    raw.close();
  });

  it('never starts it once stopped', async () => {
    const checkpointer = new WalCheckpointer(join(tempDir(), 'lazy.sqlite'));
    await checkpointer.stop();
    for (let i = 0; i < 10; i++) checkpointer.committed(50);
    expect(checkpointer.started).toBe(false);
  });
});

describe('openDatabase with SQLite', () => {
  it("closes the thread's connection with its own, so no WAL file is left behind", async () => {
    const dataDir = tempDir();
    const db = await openDatabase({ dataDir });
    await db.kysely.insertInto('settings').values({ name: 'x', value: 'y' }).execute();
    expect(existsSync(join(dataDir, 'imagegate.sqlite-wal'))).toBe(true);
    await db.close();
    // SQLite deletes the WAL when the last connection to the database closes.
    expect(existsSync(join(dataDir, 'imagegate.sqlite-wal'))).toBe(false);
  });

  it("finishes closing in a process that nothing else keeps alive (the thread is unref'd, yet close waits for it)", () => {
    const dataDir = tempDir();
    // Before the fix the process left its event loop while close still waited for the thread: exit code 13
    // (a top-level await that never settled), and nothing after close ran.
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'test/store/fixtures/close-with-thread.ts', dataDir], { encoding: 'utf8', timeout: 30_000 });
    expect(out).toBe('closed\n');
    expect(existsSync(join(dataDir, 'imagegate.sqlite-wal'))).toBe(false);
  });
});
