/**
 * OpenAPI documents given by URL: fetched at startup through the URL guard (loopback allowed here only because
 * the test's allow-list names it), YAML or JSON, fetched once per process, and every failure a ConfigError that
 * names the key, the URL and the reason.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { createGodwit } from '../../src/config/create-godwit.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { createUrlGuard } from '../../src/net/index.ts';
import { loadOpenApiDocument } from '../../src/tools/openapi/load-openapi-document.ts';

const YAML_TEXT = readFileSync(join(import.meta.dirname, 'fixtures', 'scheduling-openapi.yaml'), 'utf8');
const requests: string[] = [];
let api: Server;
let origin: string;

beforeAll(async () => {
  api = createServer((request, response) => {
    const path = request.url ?? '';
    requests.push(path);
    if (path.startsWith('/spec.yaml') || path.startsWith('/cached.yaml')) {
      response.setHeader('content-type', 'application/yaml');
      response.end(YAML_TEXT);
    } else if (path === '/spec') {
      response.setHeader('content-type', 'application/json; charset=utf-8');
      response.end(JSON.stringify({ ...(toYamlObject() as object), info: { title: 'JSON', version: '1' } }));
    } else if (path === '/huge.yaml') {
      response.setHeader('content-type', 'application/yaml');
      response.end(`# ${'x'.repeat(11 * 1024 * 1024)}\n${YAML_TEXT}`);
    } else if (path === '/swagger.json') {
      response.setHeader('content-type', 'application/json');
      response.end('{"swagger": "2.0", "paths": {"/a": {}}}');
    } else if (path === '/slow.yaml') {
      // Never answers: the guard's timeout ends the fetch.
    } else {
      response.statusCode = 404;
      response.end('not found');
    }
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});

afterAll(() => {
  api.closeAllConnections();
  api.close();
});

function toYamlObject(): unknown {
  // The JSON variant of the fixture, so both formats describe the same operations.
  return parseYaml(YAML_TEXT);
}

const guard = createUrlGuard({ allowedHosts: ['127.0.0.1'], timeoutMs: 500 });
const KEY = 'tools.openapi.scheduling.document';

describe('OpenAPI documents by URL', () => {
  it('reads a YAML document and a JSON one (by media type) into the same operations', async () => {
    const yaml = await loadOpenApiDocument({ url: `${origin}/spec.yaml` }, KEY, guard);
    const json = await loadOpenApiDocument({ url: `${origin}/spec` }, KEY, guard);
    expect(Object.keys(yaml.paths)).toEqual(['/availability/{providerId}', '/appointments']);
    expect(Object.keys(json.paths)).toEqual(Object.keys(yaml.paths));
  });

  it('fetches a URL once per process and reuses the document', async () => {
    const url = `${origin}/cached.yaml`;
    const first = await loadOpenApiDocument({ url }, KEY, guard);
    const second = await loadOpenApiDocument({ url }, 'tools.lambda.other.document', guard);
    expect(second).toBe(first);
    expect(requests.filter((path) => path === '/cached.yaml')).toHaveLength(1);
  });

  it.each([
    ['/missing.yaml', /returned HTTP 404/],
    ['/huge.yaml', /larger than the 10485760-byte limit/],
    ['/slow.yaml', /took longer than 500 ms/],
    ['/swagger.json', /is a Swagger 2 document/],
  ])('refuses %s with the key, the URL and the reason', async (path, reason) => {
    const loading = loadOpenApiDocument({ url: `${origin}${path}` }, KEY, guard);
    await expect(loading).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(loading).rejects.toThrow(reason);
    await expect(loading).rejects.toThrow(`${KEY}: `);
    await expect(loading).rejects.toThrow(`${origin}${path}`);
  });

  it('does not keep a failed fetch: the next load tries again', async () => {
    const url = `${origin}/missing.yaml`;
    const before = requests.filter((path) => path === '/missing.yaml').length;
    await expect(loadOpenApiDocument({ url }, KEY, guard)).rejects.toThrow(/HTTP 404/);
    await expect(loadOpenApiDocument({ url }, KEY, guard)).rejects.toThrow(/HTTP 404/);
    expect(requests.filter((path) => path === '/missing.yaml').length).toBe(before + 2);
  });

  it('refuses a loopback URL the allow-list does not name, saying which setting allows it', async () => {
    const loading = loadOpenApiDocument({ url: `${origin}/spec.yaml?strict` }, KEY, createUrlGuard());
    await expect(loading).rejects.toThrow(/loopback address.*urlFetch\.allowedHosts/);
    expect(requests).not.toContain('/spec.yaml?strict');
  });
});

describe('an OpenAPI tool source by URL in config', () => {
  function configure(document: string, allowed: boolean) {
    const directory = mkdtempSync(join(tmpdir(), 'godwit-openapi-url-'));
    const path = join(directory, 'godwit.config.yaml');
    writeFileSync(
      path,
      toYaml({
        dataDir: join(directory, 'data'),
        models: { default: 'openai:gpt-4.1-mini' },
        ...(allowed ? { urlFetch: { allowedHosts: ['127.0.0.1'] } } : {}),
        tools: { openapi: { scheduling: { document: { url: document }, baseUrl: origin } } },
        assistants: { scheduler: { tools: ['scheduling'] } },
      }),
    );
    const env = { OPENAI_API_KEY: 'sk-unused' };
    return { config: loadConfig({ configPath: path, env, cwd: directory }).config, env };
  }

  it('gives the assistant one tool per operation of the fetched document', async () => {
    const { config, env } = configure(`${origin}/spec.yaml?config`, true);
    const services = await createGodwit(config, { env });
    try {
      const names = services.assistants?.prepare('scheduler').tools.map((tool) => tool.name);
      expect(names).toEqual(['scheduling__getAvailability', 'scheduling__createAppointment']);
    } finally {
      await services.close();
    }
  });

  it('stops startup with a config error when the document cannot be fetched', async () => {
    const { config, env } = configure(`${origin}/gone.yaml`, true);
    await expect(createGodwit(config, { env })).rejects.toThrow(
      new RegExp(
        `tools\\.openapi\\.scheduling\\.document: cannot load the OpenAPI document from ${origin}/gone\\.yaml: .*HTTP 404`,
      ),
    );
  });

  it('refuses a document URL that is not http(s) when the config loads', () => {
    expect(() => configure('file:///etc/passwd', true)).toThrow(/tools\.openapi\.scheduling\.document/);
  });
});
