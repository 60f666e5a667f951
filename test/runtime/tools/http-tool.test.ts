/** http.fetch and http-bound tools against a real HTTP server on 127.0.0.1. */
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatonError } from '../../../runtime/errors';
import type { ToolIR } from '../../../runtime/ir/schema';
import { toolFromIR } from '../../../runtime/tools/builtin-tools';
import { httpFetch, httpTool, parseRetryAfter } from '../../../runtime/tools/http-tool';
import type { ToolContext } from '../../../runtime/tools/tool';
import { rejectsCode } from '../../helpers/assert-baton';


const loc: ToolIR['loc'] = [1, 1, 1, 1];
const str = { t: 'named' as const, name: 'String', args: [] };

describe('http tools', () => {
  let server: http.Server;
  let baseUrl: string;
  let ctx: ToolContext;

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = req.url ?? '/';
        const route = url.split('?')[0];
        if (route === '/json') { res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }); res.end('{"ok":true,"items":[1,2]}'); }
        else if (route === '/text') { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('hello'); }
        else if (route === '/429') { res.writeHead(429, { 'retry-after': '7', 'content-type': 'text/plain' }); res.end('slow down'); }
        else if (route === '/500') { res.writeHead(500, { 'content-type': 'text/plain' }); res.end('boom'); }
        else if (route === '/404') { res.writeHead(404, { 'content-type': 'application/json' }); res.end('{"error":"no such issue"}'); }
        else if (route === '/big') { res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '10000' }); res.end('y'.repeat(10000)); }
        else if (route === '/hang') { /* never answers */ }
        else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ method: req.method, url, body: Buffer.concat(chunks).toString('utf8'), contentType: req.headers['content-type'] ?? null, auth: req.headers.authorization ?? null }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  beforeEach(() => {
    ctx = { root: '/nonexistent', signal: new AbortController().signal, timeoutMs: 5000, effectId: 'r/e', maxOutputBytes: 100_000 };
  });

  const bound = (method: string, url: string, params: ToolIR['params'], extra: Partial<ToolIR> = {}): ToolIR => ({
    name: 'api', params, binding: { type: 'http', method, url }, idempotent: method === 'GET', approval: 'policy', cache: false, settings: {}, loc, ...extra,
  });

  describe('http.fetch', () => {
    it('returns status, content type and body text', async () => {
      assert.deepEqual(await httpFetch.execute({ url: `${baseUrl}/json` }, ctx), { status: 200, content_type: 'application/json; charset=utf-8', body: '{"ok":true,"items":[1,2]}' });
      assert.deepEqual(await httpFetch.execute({ url: `${baseUrl}/404` }, ctx), { status: 404, content_type: 'application/json', body: '{"error":"no such issue"}' });
    });

    it('sends a method, headers and a JSON body', async () => {
      const r = (await httpFetch.execute({ url: `${baseUrl}/echo`, method: 'post', body: { a: 1 }, headers: { authorization: 'Bearer t' } }, ctx)) as { body: string };
      assert.deepEqual(JSON.parse(r.body), { method: 'POST', url: '/echo', body: '{"a":1}', contentType: 'application/json', auth: 'Bearer t' });
    });

    it('refuses other schemes', async () => {
      await rejectsCode(httpFetch.execute({ url: 'file:///etc/passwd' }, ctx), 'tool-error', /only http and https/);
      await rejectsCode(httpFetch.execute({ url: 'not a url' }, ctx), 'tool-error', /invalid URL/);
    });

    it('cuts the body at maxOutputBytes with a note', async () => {
      const r = (await httpFetch.execute({ url: `${baseUrl}/big` }, { ...ctx, maxOutputBytes: 100 })) as { body: string };
      assert.equal(r.body, `${'y'.repeat(100)}\n[body truncated: 9900 bytes omitted]`);
    });

    it('times out on a hung server (retryable)', async () => {
      const started = Date.now();
      const e = await rejectsCode(httpFetch.execute({ url: `${baseUrl}/hang` }, { ...ctx, timeoutMs: 300 }), 'tool-timeout', /GET http:\/\/127\.0\.0\.1:\d+\/hang timed out after 0\.3 s/);
      assert.equal(e.retryable, true);
      assert.ok(Date.now() - started < 3000);
    });

    it('is cancelled by the abort signal', async () => {
      const ac = new AbortController();
      const p = httpFetch.execute({ url: `${baseUrl}/hang` }, { ...ctx, signal: ac.signal });
      setTimeout(() => ac.abort(), 50);
      await rejectsCode(p, 'cancelled');
    });

    it('reports a refused connection as retryable', async () => {
      const probe = http.createServer();
      await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
      const port = (probe.address() as AddressInfo).port;
      await new Promise<void>((r) => probe.close(() => r()));
      const e = await rejectsCode(httpFetch.execute({ url: `http://127.0.0.1:${port}/x` }, ctx), 'tool-error', /failed: ECONNREFUSED/);
      assert.equal(e.retryable, true);
    });
  });

  describe('http-bound tools', () => {
    it('parses JSON responses and returns text otherwise', async () => {
      assert.deepEqual(await httpTool(bound('GET', `${baseUrl}/json`, [])).execute({}, ctx), { ok: true, items: [1, 2] });
      assert.equal(await httpTool(bound('GET', `${baseUrl}/text`, [])).execute({}, ctx), 'hello');
    });

    it('URL-encodes placeholders and sends other arguments as the query string', async () => {
      const tool = httpTool(bound('GET', `${baseUrl}/issues/{id}`, [{ name: 'id', type: str, loc }, { name: 'q', type: str, loc }, { name: 'state', type: str, default: { k: 'lit', value: 'open', loc }, loc }]));
      const r = (await tool.execute({ id: 'a b/c?d#e', q: 'x&y=1' }, ctx)) as { method: string; url: string };
      assert.equal(r.method, 'GET');
      assert.equal(r.url, '/issues/a%20b%2Fc%3Fd%23e?q=x%26y%3D1&state=open');
      assert.equal(tool.sideEffects, false);
      assert.equal(tool.idempotent, true);
    });

    it('sends other arguments as a JSON body for POST', async () => {
      const tool = httpTool(bound('POST', `${baseUrl}/repos/{repo}/issues`, [{ name: 'repo', type: str, loc }, { name: 'title', type: str, loc }, { name: 'labels', type: { t: 'array', element: str }, loc }]), { headers: { authorization: 'Bearer secret' } });
      const r = (await tool.execute({ repo: 'baton', title: 'Bug "1"', labels: ['a'] }, ctx)) as Record<string, unknown>;
      assert.deepEqual(r, { method: 'POST', url: '/repos/baton/issues', body: '{"title":"Bug \\"1\\"","labels":["a"]}', contentType: 'application/json', auth: 'Bearer secret' });
      assert.equal(tool.sideEffects, true);
      assert.deepEqual((tool.parameters as { required: string[] }).required, ['repo', 'title', 'labels']);
    });

    it('429 is retryable with retryAfterMs from Retry-After', async () => {
      const e = await rejectsCode(httpTool(bound('GET', `${baseUrl}/429`, [])).execute({}, ctx), 'tool-error', /GET http:\/\/127\.0\.0\.1:\d+\/429 returned 429 Too Many Requests: slow down/);
      assert.equal(e.retryable, true);
      assert.equal(e.options.retryAfterMs, 7000);
    });

    it('5xx is retryable, 404 is not and shows the status and an excerpt', async () => {
      const e500 = await rejectsCode(httpTool(bound('GET', `${baseUrl}/500`, [])).execute({}, ctx), 'tool-error', /returned 500 Internal Server Error: boom/);
      assert.equal(e500.retryable, true);
      assert.equal(e500.options.retryAfterMs, undefined);
      const e404 = await rejectsCode(httpTool(bound('DELETE', `${baseUrl}/404`, [])).execute({}, ctx), 'tool-error', /^DELETE .*\/404 returned 404 Not Found: \{"error":"no such issue"\}$/);
      assert.equal(e404.retryable, false);
    });

    it('times out on a hung server', async () => {
      await rejectsCode(httpTool(bound('GET', `${baseUrl}/hang`, [])).execute({}, { ...ctx, timeoutMs: 200 }), 'tool-timeout');
    });

    it('error messages leave out the query string', async () => {
      const tool = httpTool(bound('GET', `${baseUrl}/404`, [{ name: 'token', type: str, loc }]));
      const e = await rejectsCode(tool.execute({ token: 'sekrit' }, ctx), 'tool-error');
      assert.ok(!e.message.includes('sekrit'), e.message);
    });

    it('toolFromIR builds http-bound tools', async () => {
      const tool = toolFromIR(bound('GET', `${baseUrl}/json`, [], { name: 'status' }));
      assert.equal(tool.name, 'status');
      assert.deepEqual(await tool.execute({}, ctx), { ok: true, items: [1, 2] });
    });
  });

  it('parseRetryAfter reads seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1, 0, 0, 0)), 10_000);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(null), undefined);
  });
});
