/**
 * `npm run example:scheduling-agent`: serves the PF360 action-group Lambda locally on 127.0.0.1:3001 (the
 * endpoint it gives the server through GODWIT_TOOLS__LAMBDA__PF360__ENDPOINT), fills the knowledge base `faq`, then runs `godwit serve` with this example's
 * config. On AWS (godwit.deploy.yaml), deploy lambda/pf360-handler.ts as the function `pf360-scheduling`.
 *
 * The FAQ comes from faq/ (ingested), or with `-- --from-chroma http://HOST:PORT` from the Chroma collection
 * `faqs` the prototype keeps (see chroma/build-faq-collection.ts): migrated with `godwit migrate … --verify`,
 * and the server starts only when the verification finds nothing lost.
 */
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { FAQ_COLLECTION } from './chroma/build-faq-collection.ts';
import { startLocalInvokeApi } from './lambda/local-invoke-api.ts';
import { handler } from './lambda/pf360-handler.ts';

const config = join(import.meta.dirname, 'godwit.yaml');
const fromChroma = process.argv.indexOf('--from-chroma');
const chromaUrl = fromChroma === -1 ? undefined : process.argv[fromChroma + 1];
if (fromChroma !== -1 && !chromaUrl?.startsWith('http')) {
  process.stderr.write(
    '--from-chroma needs the Chroma server URL, e.g. --from-chroma http://127.0.0.1:8000\n',
  );
  process.exit(2);
}

function faqStep(): string[] {
  if (!chromaUrl) return ['ingest', join(import.meta.dirname, 'faq'), '--kb', 'faq'];
  const { host } = new URL(chromaUrl);
  const scheme = chromaUrl.startsWith('https:') ? 'chromas' : 'chroma';
  return [
    'migrate',
    `${scheme}://${host}/${FAQ_COLLECTION}`,
    'godwit://faq',
    '--embedding-model',
    'openai:text-embedding-3-small',
    '--verify',
  ];
}

const lambda = await startLocalInvokeApi({ 'pf360-scheduling': handler });
// godwit.yaml names no endpoint (on AWS the server invokes the deployed function): point it at this one.
process.env.GODWIT_TOOLS__LAMBDA__PF360__ENDPOINT = lambda.endpoint;
process.stdout.write(`PF360 action-group Lambda on ${lambda.endpoint}\n`);
const filled = await main(['--config', config, ...faqStep()]);
if (filled !== 0) {
  await lambda.close();
  process.exit(filled);
}
process.exitCode = await main(['--config', config, 'serve']);
await lambda.close();
