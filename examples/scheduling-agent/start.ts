/**
 * `npm run example:scheduling-agent`: serves the PF360 action-group Lambda locally on 127.0.0.1:3001 (the
 * endpoint godwit.yaml names), ingests the FAQ into the knowledge base `faq`, then runs `godwit serve` with
 * this example's config. On AWS, deploy lambda/pf360-handler.ts as the function and drop the endpoint line.
 */
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { startLocalInvokeApi } from './lambda/local-invoke-api.ts';
import { handler } from './lambda/pf360-handler.ts';

const config = join(import.meta.dirname, 'godwit.yaml');
const lambda = await startLocalInvokeApi({ 'pf360-scheduling': handler });
process.stdout.write(`PF360 action-group Lambda on ${lambda.endpoint}\n`);
const ingested = await main(['--config', config, 'ingest', join(import.meta.dirname, 'faq'), '--kb', 'faq']);
if (ingested !== 0) {
  await lambda.close();
  process.exit(ingested);
}
process.exitCode = await main(['--config', config, 'serve']);
await lambda.close();
