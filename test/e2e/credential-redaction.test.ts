/**
 * An upstream that echoes the gateway's own key back (Ark's keys are UUIDs, which no key-like pattern
 * matches): the key must reach neither the client's error, nor the logs, nor the request log.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createGateway, type Gateway } from '../../src/gateway.js';
import { ArkFake } from '../fakes/ark.js';
import { tempDir } from '../support/databases.js';
import { ADMIN_KEY, postJson } from '../support/gateway.js';

const ARK_KEY = '8c1f2d3e-4b5a-46c7-9d8e-0f1a2b3c4d5e';
let ark: ArkFake;
let gateway: Gateway;
let url: string;
let key: string;
const logLines: string[] = [];

beforeAll(async () => {
  ark = await new ArkFake(ARK_KEY).start();
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    IMAGEGATE_DATA_DIR: tempDir(),
    IMAGEGATE_ADMIN_KEY: ADMIN_KEY,
    ARK_API_KEY: ARK_KEY,
    ARK_BASE_URL: `${ark.url}/api/v3`,
  });
  const sink = new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) });
  gateway = await createGateway(config, { logger: pino({ level: 'info' }, sink) });
  url = (await gateway.listen()).replace('localhost', '127.0.0.1');
  const admin = (path: string, body: unknown) => postJson(`${url}${path}`, ADMIN_KEY, body);
  const acct = await admin('/v1/admin/accounts', { name: 't', credit: 100_000_000 });
  key = (await admin('/v1/admin/keys', { name: 't', account_id: acct.body.id })).body.key;
});
afterAll(async () => {
  await gateway?.close();
  await ark?.close();
});

describe('the exact upstream key is redacted', () => {
  it.each([
    [
      'an InvalidParameter message',
      400,
      { error: { code: 'InvalidParameter', message: `Parameter watermark refused for api key ${ARK_KEY}.`, param: 'watermark', type: 'BadRequest' } },
    ],
    ['a server error message', 500, { error: { code: 'InternalServiceError', message: `backend failed for credential ${ARK_KEY}` } }],
  ])('from %s: not in the client error, the logs or the request log', async (_, status, body) => {
    ark.knobs.failNext = 10;
    ark.knobs.failStatus = status;
    ark.knobs.failBody = body;
    const res = await postJson(`${url}/v1/images/generations`, key, { model: 'seedream-4.0', prompt: 'x' });
    ark.reset();
    expect(res.status).toBe(502);
    expect(res.text).toContain('[redacted]');
    expect(res.text).not.toContain(ARK_KEY);
    await gateway.requestLog.flush();
    const rows = await gateway.db.kysely.selectFrom('request_log').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(ARK_KEY);
    expect(logLines.join('')).not.toContain(ARK_KEY);
    expect(logLines.join('')).toContain('[redacted]');
  });
});
