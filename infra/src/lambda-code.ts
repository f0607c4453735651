/**
 * Lambda code assets built by bundling the server's entry points with esbuild on this machine. When a
 * stack is excluded from bundling (context `aws:cdk:bundling-stacks`, as in unit tests), CDK skips the
 * build and stages a placeholder.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { LAMBDA_ENTRIES, type LambdaName, REPOSITORY_ROOT } from './lambda-bundle.ts';

const BUNDLE_SCRIPT = join(REPOSITORY_ROOT, 'infra/src/bundle-lambda-cli.ts');

export function lambdaCode(name: LambdaName): Code {
  return Code.fromAsset(join(REPOSITORY_ROOT, 'src'), {
    // The hash of the bundle itself: a dependency upgrade changes the code even when src/ does not.
    assetHashType: AssetHashType.OUTPUT,
    exclude: ['**/*.test.ts', '**/fixtures/**'],
    bundling: {
      // Only used when local bundling is impossible; local esbuild always runs on a machine with infra installed.
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:24-alpine'),
      // Also part of the asset cache key: without it the two bundles would share one cached build.
      command: ['node', '--import', 'tsx', 'infra/src/bundle-lambda-cli.ts', name, '/asset-output'],
      local: {
        tryBundle(outputDir: string): boolean {
          execFileSync(process.execPath, ['--import', 'tsx', BUNDLE_SCRIPT, name, outputDir], {
            cwd: REPOSITORY_ROOT,
            stdio: ['ignore', 'ignore', 'inherit'],
          });
          return true;
        },
      },
    },
  });
}

/** The handler string for a bundled entry: `index.<export>`. */
export function lambdaHandler(exportName: string): string {
  return `index.${exportName}`;
}

export { LAMBDA_ENTRIES };
