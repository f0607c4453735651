/**
 * The `godwit` command as installed: `node bin/godwit.js`, which runs the compiled dist/ build (see
 * test/support/compiled-build.ts), in a child process with its own data directory. Covers what only the real
 * process shows: the version flag, and `godwit chat` reading a conversation from stdin.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withServices } from '../../src/cli/context.ts';
import { DEFAULT_TENANT } from '../../src/core/types.ts';
import { type CliResult, GODWIT_ROOT, runCli } from '../support/godwit-process.ts';

const PACKAGE_VERSION = (
  JSON.parse(readFileSync(join(GODWIT_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

/** Runs `godwit ARGS` in an empty directory with `input` written to its stdin at once. */
function runGodwit(args: string[], input = ''): Promise<CliResult> {
  return runCli(args, { input, cwd: mkdtempSync(join(tmpdir(), 'godwit-cwd-')) });
}

function freshDataDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'godwit-shipped-')), 'data');
}

describe('the shipped godwit command', () => {
  it('prints the package version for --version and -V, and nothing else', async () => {
    for (const flag of ['--version', '-V']) {
      const result = await runGodwit([flag]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe(`${PACKAGE_VERSION}\n`);
      expect(result.stderr).toBe('');
    }
  });

  it('runs the compiled build, not the TypeScript sources', async () => {
    const result = await runGodwit(['--help']);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(/dist\/ is missing/);
    expect(result.stdout).toMatch(/-V, --version/);
  });

  it('refuses a GODWIT_WASM_OPTIMIZE other than 1 or 0 before it opens anything, naming the variable', async () => {
    const dataDir = freshDataDir();
    for (const value of ['yes', 'true', '2']) {
      const result = await runCli(['--data-dir', dataDir, 'kb', 'list'], {
        env: { GODWIT_WASM_OPTIMIZE: value },
        cwd: mkdtempSync(join(tmpdir(), 'godwit-cwd-')),
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`GODWIT_WASM_OPTIMIZE must be 1 .* or 0 .*; got "${value}"`));
      expect(result.stdout).toBe('');
    }
    expect(existsSync(dataDir)).toBe(false);
  });

  it('answers from the embedded database with the baseline WebAssembly compiler and with GODWIT_WASM_OPTIMIZE=1', async () => {
    for (const value of ['0', '1']) {
      const dataDir = freshDataDir();
      const result = await runCli(['--data-dir', dataDir, 'search', 'vacation days', '--kb', 'handbook'], {
        env: { GODWIT_WASM_OPTIMIZE: value },
        cwd: mkdtempSync(join(tmpdir(), 'godwit-cwd-')),
      });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/vacation/i);
    }
  });

  it('chat: /help lists the commands, /new starts a second conversation, every piped line is handled', async () => {
    const dataDir = freshDataDir();
    const input = [
      '/help',
      'How many vacation days do new employees get?',
      '/new',
      '/frobnicate',
      'How do I report a security incident?',
      '/exit',
      '',
    ].join('\n');
    const result = await runGodwit(['--data-dir', dataDir, 'chat'], input);
    expect(result.code, result.stderr).toBe(0);
    for (const command of ['/help', '/new', '/exit'])
      expect(result.stderr).toMatch(new RegExp(`^ {2}${command} +\\S`, 'm'));
    expect(result.stderr).toMatch(/Started a new conversation/);
    expect(result.stderr).toMatch(/Unknown command \/frobnicate.*\/help/);
    expect(result.stdout).toMatch(/vacation/i);
    expect(result.stdout).toMatch(/security|incident/i);
    expect(result.stdout).not.toMatch(/\/help/);

    const conversations = await withServices({ dataDir }, async (services) => {
      const page = await services.conversations.listConversations(DEFAULT_TENANT);
      return Promise.all(
        page.conversations.map(async (conversation) =>
          (await services.conversations.listMessages(DEFAULT_TENANT, conversation.id))
            .filter((message) => message.role === 'user')
            .map((message) => JSON.stringify(message.parts)),
        ),
      );
    });
    expect(conversations).toHaveLength(2);
    const questions = conversations.flat().join('\n');
    expect(questions).toMatch(/vacation/);
    expect(questions).toMatch(/security incident/);
    expect(questions).not.toMatch(/\/help|\/new|\/frobnicate/);
  });
});
