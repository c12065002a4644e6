/**
 * What a new operator meets in the first hour, answered so the next step is in the answer itself: whom to fund
 * after a 402, which account a new key draws on, which variable offers a model, how to send a key, how to
 * have extra fields dropped, and a JSON error that says its piece once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startGateway, type TestGateway } from '../support/gateway.js';

describe('the first hour', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // No provider keys: only `local` is offered, here with a price so an unfunded key meets a 402.
    gw = await startGateway({ overlay: 'models:\n  local:\n    price: { per_image: 40000 }\n' });
  });
  afterAll(() => gw.close());

  const generate = (key: string | undefined, body: unknown, headers: Record<string, string> = {}) =>
    postJson(`${gw.url}/v1/images/generations`, key, body, headers);

  it('names the account and the command that adds credit in a 402 for an unfunded key', async () => {
    const { key, accountId } = await gw.clientKey({ balance: 0 });
    const res = await generate(key, { model: 'local', prompt: 'a fox' });
    expect(res.status).toBe(402);
    expect(res.body.error).toMatchObject({ code: 'insufficient_balance', account_id: accountId, needed: 40000, available: 0 });
    expect(res.body.error.message).toContain(`account ${accountId} has 0.000000 USD available`);
    expect(res.body.error.message).toContain(`imagegate accounts credit ${accountId} <amount>`);
    expect(res.body.error.message).toContain(`/console/accounts/${accountId}`);
  });

  it('names the key and the attribute that raises its spend cap in a 402 for a capped key', async () => {
    const { key, keyId } = await gw.clientKey({ balance: 1_000_000, attrs: { spend_cap_month: 50_000 } });
    expect((await generate(key, { model: 'local', prompt: 'a fox' })).status).toBe(200);
    const res = await generate(key, { model: 'local', prompt: 'a fox' });
    expect(res.status).toBe(402);
    expect(res.body.error).toMatchObject({ code: 'insufficient_balance', key_id: keyId, cap: 50_000 });
    expect(res.body.error.message).toContain(`PATCH /v1/admin/keys/${keyId} {"spend_cap_month": <micro-units>}`);
  });

  it('says which account a new key belongs to and what it can spend', async () => {
    const plain = await gw.admin('/v1/admin/keys', { body: { name: 'quickstart' } });
    expect(plain.status).toBe(201);
    expect(plain.body.account).toMatchObject({ id: 'acct_operator', object: 'account', balance: 0, currency: 'USD', unit: 'micro' });
    expect(plain.body.can_spend).toBe(0);
    expect(plain.body.add_credit).toContain('imagegate accounts credit acct_operator');

    const acct = await gw.admin('/v1/admin/accounts', { body: { name: 'acme', credit: 5_000_000 } });
    const capped = await gw.admin('/v1/admin/keys', { body: { name: 'capped', account_id: acct.body.id, spend_cap_day: 1_000_000 } });
    expect(capped.body.account).toMatchObject({ id: acct.body.id, name: 'acme', balance: 5_000_000 });
    expect(capped.body.can_spend).toBe(1_000_000);
  });

  it('words the 404 for an unconfigured model the same on the image route and the model route, naming the variable', async () => {
    const { key } = await gw.clientKey({ balance: 0 });
    const image = await generate(key, { model: 'dall-e-3', prompt: 'a fox' });
    const detail = await fetch(`${gw.url}/v1/models/dall-e-3`, { headers: { authorization: `Bearer ${key}` } });
    const detailBody = (await detail.json()) as { error: { message: string } };
    expect(image.status).toBe(404);
    expect(detail.status).toBe(404);
    expect(detailBody).toEqual(image.body);
    expect(image.body.error).toMatchObject({ code: 'model_not_found', param: 'model' });
    expect(image.body.error.message).toContain('not offered on this gateway');
    expect(image.body.error.message).toContain('OPENAI_API_KEY');

    const unknown = await generate(key, { model: 'no-such-model', prompt: 'a fox' });
    const unknownDetail = await fetch(`${gw.url}/v1/models/no-such-model`, { headers: { authorization: `Bearer ${key}` } });
    expect(await unknownDetail.json()).toEqual(unknown.body);
    expect(unknown.body.error.message).toContain('does not exist on this gateway');
  });

  it('mentions the drop-unsupported option in a 400 for a field outside the model contract', async () => {
    const { key } = await gw.clientKey({ balance: 1_000_000 });
    const res = await generate(key, { model: 'local', prompt: 'a fox', style_strength: 3 });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_request', param: 'style_strength' });
    expect(res.body.error.message).toContain('drop_unsupported');
    expect(res.body.error.message).toContain('--drop-unsupported');
  });

  it('tells a client whose Authorization header lacks Bearer how to send the key, without echoing it', async () => {
    const { key } = await gw.clientKey({ balance: 0 });
    const res = await generate(undefined, { model: 'local', prompt: 'a fox' }, { authorization: key });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_api_key');
    expect(res.body.error.message).toContain('Authorization: Bearer <key>');
    expect(res.body.error.message).not.toContain('No API key was sent');
    expect(res.text).not.toContain(key);
  });

  it('says the body is not valid JSON once', async () => {
    const { key } = await gw.clientKey({ balance: 0 });
    const res = await generate(key, '{"model": "local",');
    expect(res.status).toBe(400);
    expect(res.body.error.message.match(/not valid JSON/g)).toHaveLength(1);
  });
});
