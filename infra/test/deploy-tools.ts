/**
 * Vitest setup of the infra suites: they need the AWS CDK, which the default install leaves out
 * (docs/decisions/2026-12-07-deploy-tools-on-demand.md). Without it, say the one command that adds it,
 * rather than a module-resolution error per file.
 */
import { createRequire } from 'node:module';

try {
  createRequire(import.meta.url).resolve('aws-cdk-lib');
} catch {
  throw new Error(
    'The infra tests need the AWS CDK, which is not in the default install: run `npm run setup:deploy` once at the repository root.',
  );
}
