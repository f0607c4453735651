#!/usr/bin/env node
/**
 * Before `npm test` and `npm run typecheck`: the CDK app's suites and types need infra/'s packages, which
 * the default install leaves out (docs/decisions/2026-12-07-deploy-tools-on-demand.md). Installs them once
 * from infra/package-lock.json when they are missing; does nothing when they are there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const infra = fileURLToPath(new URL('../infra/', import.meta.url));
if (!existsSync(new URL('../infra/node_modules/aws-cdk-lib/package.json', import.meta.url))) {
  console.error('Installing the AWS CDK for the infra suites (npm run setup:deploy; once, about 220 MB)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--prefix', infra, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('Could not install infra/ packages: run `npm run setup:deploy` and read its error.');
    process.exit(result.status ?? 1);
  }
}
