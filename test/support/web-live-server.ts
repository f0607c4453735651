/**
 * Vitest global setup of the web app's component tests: one real `godwit serve` (the compiled build, a new
 * data dir with the sample handbook) for the run, whose URL the tests read with `inject('godwitUrl')`.
 * jsdom pages live at http://localhost:3000, so the server allows that origin (CORS), as it would a front
 * end hosted apart from the API; web/src/test-support/live-server.ts routes the app's relative calls to it.
 */
import type { TestProject } from 'vitest/node';
import buildIfStale from './compiled-build.ts';
import { startGodwit } from './godwit-process.ts';

/** The origin of jsdom's document in Vitest. */
export const JSDOM_ORIGIN = 'http://localhost:3000';

declare module 'vitest' {
  export interface ProvidedContext {
    godwitUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  buildIfStale();
  const server = await startGodwit({ env: { GODWIT_SERVER__CORS__ALLOWED_ORIGINS: JSDOM_ORIGIN } });
  project.provide('godwitUrl', server.url);
  return () => server.stop();
}
