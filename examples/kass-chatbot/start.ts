/**
 * `npm run example:kass-chatbot`: serves the KASS tools Lambda locally on 127.0.0.1:3002 (the endpoint
 * godwit.yaml names), then runs `godwit serve` with this example's config. On AWS, deploy
 * lambda/kass-tools-handler.ts as the function and drop the endpoint line.
 */
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { startLocalInvokeApi } from '../scheduling-agent/lambda/local-invoke-api.ts';
import { handler } from './lambda/kass-tools-handler.ts';

const lambda = await startLocalInvokeApi({ 'kass-chatbot-dev-tools': handler }, { port: 3002 });
process.stdout.write(`KASS tools Lambda on ${lambda.endpoint}\n`);
process.exitCode = await main(['--config', join(import.meta.dirname, 'godwit.yaml'), 'serve']);
await lambda.close();
