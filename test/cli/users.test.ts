/**
 * `imagegate users …` against a running gateway, run as a separate process the way an operator runs it,
 * with the password piped to stdin.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInRaw } from '../support/console.js';
import { ADMIN_KEY, startGateway, type TestGateway } from '../support/gateway.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function imagegate(args: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: root,
      env: { ...process.env, IMAGEGATE_ADMIN_KEY: undefined },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => gw?.close());

// Each command is a fresh process that compiles the CLI from source: seconds apiece on a busy machine.
describe('imagegate users', { timeout: 120_000 }, () => {
  const admin = () => ['--url', gw.url, '--admin-key', ADMIN_KEY, '--json'];

  it('creates an operator with the password from stdin, who can then sign in', async () => {
    const password = 'operator password from stdin';
    const made = await imagegate([...admin(), 'users', 'create', '--operator', '--email', 'Ops@Example.test', '--password-stdin'], `${password}\n`);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    const user = JSON.parse(made.stdout) as { id: string; role: string; email: string };
    expect(user).toMatchObject({ role: 'operator', email: 'ops@example.test' });
    expect(made.stdout).not.toContain(password);

    const signedIn = await signInRaw(gw, { email: 'ops@example.test', password });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.id).toBe(user.id);

    const listed = JSON.parse((await imagegate([...admin(), 'users', 'list'], '')).stdout) as { data: Array<{ id: string }> };
    expect(listed.data.map((u) => u.id)).toContain(user.id);
  });

  it('sets a new password and disables a user', async () => {
    const made = await imagegate([...admin(), 'users', 'create', '--operator', '--email', 'two@example.test', '--password-stdin'], 'first password here\n');
    const { id } = JSON.parse(made.stdout) as { id: string };
    expect((await imagegate([...admin(), 'users', 'password', id, '--password-stdin'], 'second password here\n')).code).toBe(0);
    expect((await signInRaw(gw, { email: 'two@example.test', password: 'second password here' })).status).toBe(200);
    const disabled = await imagegate([...admin(), 'users', 'disable', id], '');
    expect(disabled.code).toBe(0);
    expect(JSON.parse(disabled.stdout).disabled).toBe(true);
    expect((await signInRaw(gw, { email: 'two@example.test', password: 'second password here' })).status).toBe(401);
  });

  it('refuses to create a user that is neither an operator nor a member of an account', async () => {
    const r = await imagegate([...admin(), 'users', 'create', '--email', 'nobody@example.test', '--password-stdin'], 'whatever password\n');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--operator or --account');
  });
});
