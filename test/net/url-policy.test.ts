import { describe, expect, it } from 'vitest';
import type { GatewayError } from '../../src/domain/errors.js';
import { checkUrl } from '../../src/net/url-policy.js';

function refusal(raw: string, allowlist: string[] = []): GatewayError {
  try {
    checkUrl(raw, 'image_urls[1]', allowlist);
  } catch (e) {
    return e as GatewayError;
  }
  throw new Error(`expected ${raw} to be refused`);
}

function expectRefused(raw: string, message: RegExp, allowlist: string[] = []): void {
  const err = refusal(raw, allowlist);
  expect(err.toBody().error).toMatchObject({ code: 'invalid_request', param: 'image_urls[1]' });
  expect(err.status).toBe(400);
  expect(err.message).toMatch(/^image_urls\[1\]: /);
  expect(err.message).toMatch(message);
}

describe('url policy: shape of the URL', () => {
  it('accepts a public https URL and reports its host and default port', () => {
    const t = checkUrl('https://Example.COM/a.png?x=1', 'image_urls[0]', []);
    expect(t).toMatchObject({ host: 'example.com', port: 443, allowlisted: false });
    expect(t.url.href).toBe('https://example.com/a.png?x=1');
  });

  it('refuses a URL with credentials (user:password@)', () => {
    expectRefused('https://user:secret@example.com/a.png', /contains credentials/);
    expectRefused('https://user@example.com/a.png', /contains credentials/);
  });

  it('refuses a URL with a fragment, even an empty one', () => {
    expectRefused('https://example.com/a.png#top', /contains a fragment/);
    expectRefused('https://example.com/a.png#', /contains a fragment/);
  });

  it('refuses ftp: and file: URLs, saying only http and https are allowed', () => {
    expectRefused('ftp://example.com/a.png', /uses the ftp: scheme; only http and https URLs are allowed/);
    expectRefused('file:///etc/passwd', /uses the file: scheme; only http and https URLs are allowed/);
    expectRefused('gopher://example.com/', /gopher: scheme/);
  });

  it('refuses a URL with no host, including http:///path that WHATWG would read as host "path"', () => {
    expectRefused('http://', /not a valid absolute URL/);
    expectRefused('http:///a.png', /has no host/);
    expectRefused('https:example.com/a.png', /has no host/);
  });

  it('refuses a relative or garbage URL as not a valid absolute URL', () => {
    expectRefused('/images/a.png', /not a valid absolute URL/);
    expectRefused('not a url', /not a valid absolute URL/);
  });

  it('refuses well-known service ports below 1024 other than 80 and 443', () => {
    expectRefused('http://example.com:25/', /uses port 25; only ports 80, 443 and 1024-65535 are allowed/);
    expectRefused('http://example.com:22/', /uses port 22/);
    expect(checkUrl('http://example.com:8080/a.png', 'p', []).port).toBe(8080);
    expect(checkUrl('https://example.com:443/a.png', 'p', []).port).toBe(443);
  });
});

describe('url policy: IP-literal hosts', () => {
  it('refuses a private IPv4 literal with the reason and the public-only rule', () => {
    expectRefused('http://10.0.0.5/a.png', /points to 10\.0\.0\.5, a private address; only public http\(s\) URLs are allowed\.$/);
  });

  it('refuses loopback written in the forms WHATWG normalizes (hex, integer, short)', () => {
    for (const u of ['http://0x7f.1/', 'http://2130706433/', 'http://127.1/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/'])
      expectRefused(u, /loopback address/);
  });

  it('refuses the metadata address 169.254.169.254', () => {
    expectRefused('http://169.254.169.254/latest/meta-data/', /link-local address/);
  });

  it('accepts a public IP literal', () => {
    expect(checkUrl('http://93.184.216.34/a.png', 'p', [])).toMatchObject({ host: '93.184.216.34', port: 80, allowlisted: false });
    expect(checkUrl('http://[2606:4700:4700::1111]/a.png', 'p', [])).toMatchObject({ host: '2606:4700:4700::1111' });
  });
});

describe('url policy: allowlist', () => {
  it('lets an allowlisted host:port through to loopback, but not the same host on another port', () => {
    expect(checkUrl('http://127.0.0.1:4010/a.png', 'p', ['127.0.0.1:4010'])).toMatchObject({ allowlisted: true, port: 4010 });
    expectRefused('http://127.0.0.1:4011/a.png', /loopback address/, ['127.0.0.1:4010']);
  });

  it('lets a bare allowlisted host through on any port, including ports otherwise refused', () => {
    expect(checkUrl('http://10.1.2.3:9000/', 'p', ['10.1.2.3']).allowlisted).toBe(true);
    expect(checkUrl('http://10.1.2.3:25/', 'p', ['10.1.2.3']).allowlisted).toBe(true);
  });

  it('matches IPv6 entries written with brackets and host names case-insensitively', () => {
    expect(checkUrl('http://[::1]:4010/', 'p', ['[::1]:4010']).allowlisted).toBe(true);
    expect(checkUrl('http://Images.Internal:8080/', 'p', ['images.internal:8080']).allowlisted).toBe(true);
    expect(checkUrl('http://images.internal.:8080/', 'p', ['images.internal:8080']).allowlisted).toBe(true);
  });

  it('does not let the allowlist excuse credentials, fragments or other schemes', () => {
    expectRefused('http://u:p@127.0.0.1:4010/', /contains credentials/, ['127.0.0.1:4010']);
    expectRefused('http://127.0.0.1:4010/#x', /contains a fragment/, ['127.0.0.1:4010']);
    expectRefused('ftp://127.0.0.1:4010/', /ftp: scheme/, ['127.0.0.1:4010']);
  });
});
