import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Fails early, with the fix, when the web app was not built. */
export function requireBuiltWebApp(): void {
  const index = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
  if (!existsSync(index)) {
    throw new Error(
      'web/dist is missing: build the web app with `npm run build` (npm install also builds it).',
    );
  }
}
