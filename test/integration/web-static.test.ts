import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../helpers/test-service';

/**
 * A request sent exactly as written: fetch would resolve ".." in the path, and it marks a request carrying
 * If-None-Match as `no-cache`, which rightly forbids a 304.
 */
function raw(baseUrl: string, rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: rawPath, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the demo pages and the widget script', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({
      SCREENCONNECT_URL_TEMPLATE: 'https://sc.example.test/Host#Access///{id}/Join',
      PDQ_URL_TEMPLATE: 'https://pdq.example.test/devices/{id}',
    });
  });
  afterAll(() => t.stop());

  it('serves each file with its content type, nosniff, and a strict policy on pages', async () => {
    const expected: Record<string, string> = {
      '/': 'text/html; charset=utf-8',
      '/tickets.html': 'text/html; charset=utf-8',
      '/ticket.html': 'text/html; charset=utf-8',
      '/demo.css': 'text/css; charset=utf-8',
      '/demo.js': 'text/javascript; charset=utf-8',
      '/widget/asset-widget.js': 'text/javascript; charset=utf-8',
    };
    for (const [path, type] of Object.entries(expected)) {
      const res = await t.call(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toBe(type);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.has('content-security-policy'), path).toBe(type.startsWith('text/html'));
    }
    expect((await t.call('/')).body).toContain('<form id="sign-in">');
    expect((await t.call('/widget/asset-widget.js')).body).toContain("customElements.define('asset-widget'");
  });

  it('answers HEAD, and 304 to a matching If-None-Match', async () => {
    const first = await t.call('/widget/asset-widget.js');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await raw(t.url, '/widget/asset-widget.js', { 'if-none-match': etag });
    expect(again).toEqual({ status: 304, body: '' });
    const head = await fetch(`${t.url}/demo.css`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
  });

  it('never serves anything outside web/, however the path is spelled', async () => {
    const attempts = [
      '/../package.json',
      '/widget/../../package.json',
      '/widget/..%2f..%2fpackage.json',
      '/%2e%2e/package.json',
      '/%2e%2e%2fsrc%2fconfig.ts',
      '/..\\package.json',
      '//etc/passwd',
      '/web/index.html',
      '/index.html%00.js',
      '/widget/',
      '/.env',
    ];
    for (const path of attempts) {
      const res = await raw(t.url, path);
      expect(res.status, path).toBe(404);
      expect(JSON.parse(res.body), path).toEqual({ error: 'Not found', code: 'NOT_FOUND' });
    }
  });

  it('gives the widget its link templates, to signed-in users only', async () => {
    expect((await t.call('/api/ui/config')).status).toBe(401);
    const res = await t.call('/api/ui/config', { token: t.techToken });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      screenconnect_url_template: 'https://sc.example.test/Host#Access///{id}/Join',
      pdq_url_template: 'https://pdq.example.test/devices/{id}',
    });
  });
});
