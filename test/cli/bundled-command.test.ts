/**
 * The `godwit` command as it ships runs from its bundle (dist/bundle/, scripts/bundle-command.mjs): the
 * modules a command loads are the bundle's chunks, not dist/cli/, and no package the bundle carries is
 * loaded a second time from node_modules. What the bundled code reads next to itself (the PGlite template,
 * the sample, the web app, the parsing thread) is exercised by every test that spawns bin/godwit.js.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GODWIT_ROOT, runCli, startGodwit } from '../support/godwit-process.ts';

let scratch: string;
let register: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'godwit-bundle-'));
  // A module hook that prints the address of every file module the command loads.
  const hooks = join(scratch, 'hooks.mjs');
  writeFileSync(
    hooks,
    "export async function load(url, context, next) { if (url.startsWith('file:')) process.stderr.write('LOADED ' + url + '\\n'); return next(url, context); }\n",
  );
  register = join(scratch, 'register.mjs');
  writeFileSync(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
  );
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs `godwit <args>` as users do, with the hook above preloaded, and lists the file modules it loaded. */
async function loadedBy(args: string[]): Promise<{ code: number | null; stdout: string; loaded: string[] }> {
  const result = await runCli(args, {
    env: { GODWIT_DATA_DIR: join(scratch, 'data'), NODE_OPTIONS: `--import=${register}` },
  });
  return {
    code: result.code,
    stdout: result.stdout,
    loaded: [...result.stderr.matchAll(/^LOADED (\S+)$/gm)].map((match) => match[1]!),
  };
}

describe('the shipped godwit command runs from its bundle', () => {
  it('loads the bundle, not dist/cli/, and no bundled package again from node_modules', async () => {
    const { BUNDLED_PACKAGES } = (await import(
      pathToFileURL(join(GODWIT_ROOT, 'scripts/bundle-command.mjs')).href
    )) as { BUNDLED_PACKAGES: Set<string> };
    const result = await loadedBy(['kb', 'list']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/No knowledge bases|handbook/);
    const dist = pathToFileURL(join(GODWIT_ROOT, 'dist')).href;
    expect(result.loaded).toContain(`${dist}/bundle/main.js`);
    expect(
      result.loaded.filter((url) => url.startsWith(`${dist}/`) && !url.startsWith(`${dist}/bundle/`)),
    ).toEqual([]);
    const twice = result.loaded.filter((url) =>
      [...BUNDLED_PACKAGES].some((name) => url.includes(`/node_modules/${name}/`)),
    );
    expect(twice).toEqual([]);
    // PGlite stays a package of its own: its WebAssembly and data files are found next to it.
    expect(result.loaded.some((url) => url.includes('/node_modules/@electric-sql/pglite/'))).toBe(true);
  }, 60_000);

  it('serves from the bundle what it reads next to itself, and checks /mcp tool input with the bundled zod', async () => {
    // A new data dir: the PGlite template, the sample handbook parsed on the parsing thread (PDF, DOCX, XLSX).
    const server = await startGodwit();
    try {
      const bases = (await (await fetch(`${server.url}/api/knowledge-bases`)).json()) as {
        knowledgeBases: Array<{ name: string; stats: { documents: number; failed: number } }>;
      };
      const handbook = bases.knowledgeBases.find((base) => base.name === 'handbook');
      expect(handbook?.stats).toMatchObject({ documents: 11, failed: 0 });
      const page = await fetch(`${server.url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<div id="root">/);
      expect((await fetch(`${server.url}/docs`)).status).toBe(200);
      const version = (await (await fetch(`${server.url}/readyz`)).json()) as { version?: string };
      expect(version.version).toMatch(/^\d+\.\d+\.\d+/);

      const mcp = (body: object) =>
        fetch(`${server.url}/mcp`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, ...body }),
        }).then((response) => response.json() as Promise<Record<string, unknown>>);
      const listed = (await mcp({ method: 'tools/list' })) as {
        result: { tools: Array<{ name: string; inputSchema: { properties?: Record<string, unknown> } }> };
      };
      const search = listed.result.tools.find((tool) => tool.name === 'search_knowledge_base');
      expect(Object.keys(search?.inputSchema.properties ?? {}).sort()).toEqual([
        'k',
        'knowledgeBase',
        'query',
      ]);
      const refused = (await mcp({
        method: 'tools/call',
        params: { name: 'search_knowledge_base', arguments: { knowledgeBase: '', query: 'vacation' } },
      })) as { result: { isError: boolean; content: Array<{ text: string }> } };
      expect(refused.result.isError).toBe(true);
      expect(refused.result.content[0]?.text).toMatch(/knowledgeBase/);
      const found = (await mcp({
        method: 'tools/call',
        params: {
          name: 'search_knowledge_base',
          arguments: { knowledgeBase: 'handbook', query: 'vacation days' },
        },
      })) as { result: { isError?: boolean; content: Array<{ text: string }> } };
      expect(found.result.isError).toBeFalsy();
      expect(found.result.content[0]?.text).toMatch(/vacation/i);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
