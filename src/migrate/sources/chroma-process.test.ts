import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DependencyError } from '../../core/errors.ts';
import { CHROMADB_INSTALL_COMMAND, startChroma } from './chroma-process.ts';

describe('startChroma without the chromadb package', () => {
  it('fails at once with the command that installs it', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'godwit-chroma-missing-'));
    try {
      const missing = (name: string): string => {
        throw Object.assign(new Error(`Cannot find module '${name}'`), { code: 'MODULE_NOT_FOUND' });
      };
      const failure = await startChroma(directory, { resolvePackage: missing }).catch(
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(DependencyError);
      expect((failure as Error).message).toContain(`\`${CHROMADB_INSTALL_COMMAND}\``);
      expect(CHROMADB_INSTALL_COMMAND).toBe('npm install --no-save chromadb@^3.0.9');
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
