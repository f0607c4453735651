#!/usr/bin/env node
/**
 * Before `npm test` and `npm run typecheck`: two sets of packages that only some suites need are kept out of
 * the default install, each with its own lock, and installed here once when they are missing:
 * - infra/: the AWS CDK app's packages, for the infra suites and the deploy command
 *   (docs/decisions/2026-12-07-deploy-tools-on-demand.md; `npm run setup:deploy`);
 * - test/compat/: third-party clients the compatibility suites drive against Godwit, such as LangChain
 *   (docs/decisions/2026-12-07-compat-clients-on-demand.md; `npm run setup:compat`).
 * Does nothing when both are there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ON_DEMAND = [
  {
    folder: '../infra/',
    marker: 'node_modules/aws-cdk-lib/package.json',
    what: 'the AWS CDK for the infra suites',
    script: 'setup:deploy',
    size: 'about 220 MB',
  },
  {
    folder: '../test/compat/',
    marker: 'node_modules/@langchain/openai/package.json',
    what: 'the LangChain clients for the compatibility suite',
    script: 'setup:compat',
    size: 'about 75 MB',
  },
];

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
for (const { folder, marker, what, script, size } of ON_DEMAND) {
  if (existsSync(new URL(folder + marker, import.meta.url))) continue;
  console.error(`Installing ${what} (npm run ${script}; once, ${size})…`);
  const prefix = fileURLToPath(new URL(folder, import.meta.url));
  const result = spawnSync(npm, ['ci', '--prefix', prefix, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`Could not install ${prefix} packages: run \`npm run ${script}\` and read its error.`);
    process.exit(result.status ?? 1);
  }
}
