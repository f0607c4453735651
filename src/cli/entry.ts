/** Runs the `godwit` command from the TypeScript sources: `tsx src/cli/entry.ts serve` (`npm run dev`). */
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
