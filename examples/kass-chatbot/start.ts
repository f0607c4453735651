/**
 * `npm run example:kass-chatbot`: serves the KASS tools Lambda locally on 127.0.0.1:3002 (the endpoint
 * godwit.yaml names), then runs `godwit serve` with this example's config. On AWS, deploy
 * lambda/kass-tools-handler.ts as the function and drop the endpoint line.
 *
 * `npm run example:kass-chatbot -- --laptop` serves the same function, then `godwit serve` with
 * godwit.laptop.yaml: no AWS service, OpenAI for the model, everything stored in the data dir.
 */
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { startLocalInvokeApi } from '../scheduling-agent/lambda/local-invoke-api.ts';
import { handler } from './lambda/kass-tools-handler.ts';

const laptop = process.argv.includes('--laptop');
const config = join(import.meta.dirname, laptop ? 'godwit.laptop.yaml' : 'godwit.yaml');
if (laptop) {
  // The SDK signs the invocation even for the local function; any credentials will do there.
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
}
const lambda = await startLocalInvokeApi({ 'kass-chatbot-dev-tools': handler }, { port: 3002 });
process.stdout.write(`KASS tools Lambda on ${lambda.endpoint}\n`);
process.exitCode = await main(['--config', config, 'serve']);
await lambda.close();
