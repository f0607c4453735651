/**
 * CDK app entry for the cdk CLI (`cdk synth`, `cdk deploy` from infra/). Settings come from CDK context
 * `godwit` (JSON) or the file named by GODWIT_DEPLOY_SETTINGS.
 */
import { createGodwitApp, readDeploySettings } from '../src/app.ts';

const settingsFile = process.env.GODWIT_DEPLOY_SETTINGS;
const { app } = createGodwitApp({
  ...(settingsFile ? { settings: readDeploySettings(settingsFile) } : {}),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
app.synth();
