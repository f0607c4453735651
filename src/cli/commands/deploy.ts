/**
 * `godwit deploy synth --out DIR | diff | deploy`: the AWS CDK app in infra/. `synth` needs no AWS
 * account: it writes the CloudFormation template and the bundled Lambda code to DIR. `diff` and `deploy`
 * synthesize the same way, then hand the result to the pinned AWS CDK CLI. `synth --for terraform` writes
 * the same stack for the Terraform module in infra/terraform/ (no `cdk bootstrap`; zipped assets and
 * godwit-terraform.json beside the template).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError, DependencyError, ValidationError } from '../../core/errors.ts';
import type { Output } from '../output.ts';

export type DeployAction = 'synth' | 'diff' | 'deploy';

export interface DeployOptions {
  /** Output directory of the cloud assembly; required for synth, a temporary directory otherwise. */
  out?: string;
  /** Deploy settings file (YAML); default ./godwit.deploy.yaml when it exists. */
  settings?: string;
  /** cdk (default) or terraform: who deploys what synth writes. */
  for?: string;
  /** Passed to `cdk deploy --require-approval` (never, any-change, broadening). */
  requireApproval?: string;
  /** Where the infra workspace is; default: infra/ beside this package's src/. */
  infraDir?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
}

type InfraApp = typeof import('../../../infra/src/app.ts');

const DEFAULT_INFRA_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../infra');
const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY',
  'AWS_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
];

export async function deployCommand(action: string, options: DeployOptions, output: Output): Promise<number> {
  if (!['synth', 'diff', 'deploy'].includes(action)) {
    throw new ValidationError(`Unknown deploy action "${action}": use synth, diff or deploy.`);
  }
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const infraDir = options.infraDir ?? DEFAULT_INFRA_DIR;
  if (action === 'synth' && !options.out) {
    throw new ValidationError('godwit deploy synth needs --out DIR (where the templates and assets go).');
  }
  const target = options.for ?? 'cdk';
  if (target !== 'cdk' && target !== 'terraform') {
    throw new ValidationError(`Unknown --for "${target}": use cdk or terraform.`);
  }
  if (target === 'terraform' && action !== 'synth') {
    throw new ValidationError(
      `--for terraform goes with synth only: run \`godwit deploy synth --for terraform --out DIR\`, then \`terraform plan\` and \`terraform apply\` (docs/DEPLOYMENT.md).`,
    );
  }
  if (action !== 'synth') requireCredentials(env);
  const infra = await loadInfra(infraDir);
  const settingsPath = options.settings
    ? resolve(cwd, options.settings)
    : existsSync(resolve(cwd, 'godwit.deploy.yaml'))
      ? resolve(cwd, 'godwit.deploy.yaml')
      : undefined;
  const settings = await wrapSettingsError(() =>
    settingsPath && /\.tfvars(\.json)?$/.test(settingsPath)
      ? infra.readTerraformSettings(settingsPath)
      : infra.readDeploySettings(settingsPath),
  );
  const outdir = options.out ? resolve(cwd, options.out) : mkdtempSync(join(tmpdir(), 'godwit-cdk-'));
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? env.CDK_DEFAULT_REGION;
  const account = env.CDK_DEFAULT_ACCOUNT;
  output.info(
    `Synthesizing stack ${settings.stackName} (${settings.compute}, vectors: ${settings.vectorStore})…`,
  );
  const startedAt = Date.now();
  const { app } = infra.createGodwitApp({
    settings,
    outdir,
    target,
    ...(region || account ? { env: { region, account } } : {}),
  });
  app.synth();
  const assets = readdirSync(outdir).filter(
    (name) => name.startsWith('asset.') && (target === 'cdk' || name.endsWith('.zip')),
  );
  output.info(
    `Wrote ${join(outdir, `${settings.stackName}.template.json`)} and ${assets.length} asset(s) in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.`,
  );
  if (target === 'terraform') {
    output.info(
      `For Terraform: ${join(outdir, infra.TERRAFORM_MANIFEST)}; set the module's synth_dir to ${outdir}, then terraform plan.`,
    );
  }
  if (action === 'synth') return 0;
  const cdkArgs =
    action === 'diff'
      ? ['diff', '--app', outdir]
      : ['deploy', '--app', outdir, '--require-approval', options.requireApproval ?? 'broadening'];
  try {
    return await runCdk(infraDir, cdkArgs, env);
  } finally {
    if (!options.out) rmSync(outdir, { recursive: true, force: true });
  }
}

function requireCredentials(env: Record<string, string | undefined>): void {
  const hasKeys = Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY);
  const hasOther = Boolean(
    env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
  );
  const awsDir = join(env.HOME ?? homedir(), '.aws');
  const hasFiles = existsSync(join(awsDir, 'credentials')) || existsSync(join(awsDir, 'config'));
  if (!hasKeys && !hasOther && !hasFiles) {
    throw new ConfigError(
      `No AWS credentials found. Set ${CREDENTIAL_VARIABLES.join(', or ')} (or run \`aws configure\`), and AWS_REGION; \`godwit deploy synth --out DIR\` works without them.`,
    );
  }
  if (!env.AWS_REGION && !env.AWS_DEFAULT_REGION && !env.AWS_PROFILE && !hasFiles) {
    throw new ConfigError('No AWS region set: set AWS_REGION (for example AWS_REGION=eu-west-1).');
  }
}

async function loadInfra(infraDir: string): Promise<InfraApp> {
  const entry = join(infraDir, 'src/app.ts');
  const missing = () =>
    new ConfigError(
      existsSync(entry)
        ? `The AWS CDK is not installed in ${infraDir}: it is kept out of the default install. Run \`npm run setup:deploy\` at the repository root (about 220 MB, once), then try again.`
        : `The CDK app is not here (looked in ${infraDir}). Deploying needs a clone of the Godwit repository: clone it, run \`npm install\` and \`npm run setup:deploy\` at its root.`,
    );
  if (!existsSync(entry)) throw missing();
  try {
    createRequire(join(infraDir, 'package.json')).resolve('aws-cdk-lib');
  } catch {
    throw missing();
  }
  // The infra app is TypeScript; the compiled CLI (dist/) runs without a TypeScript loader, so load tsx's.
  if (!import.meta.url.endsWith('.ts')) (await import('tsx/esm/api')).register();
  return (await import(pathToFileURL(entry).href)) as InfraApp;
}

async function wrapSettingsError<T>(read: () => T | Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
}

/** Runs the AWS CDK CLI pinned in infra/package.json (the newest major cannot read this library's output). */
function runCdk(infraDir: string, args: string[], env: Record<string, string | undefined>): Promise<number> {
  let cli: string;
  try {
    cli = createRequire(join(infraDir, 'package.json')).resolve('aws-cdk/bin/cdk');
  } catch {
    throw new DependencyError(
      'The AWS CDK CLI (aws-cdk) is not installed in infra/: run `npm run setup:deploy` at the repository root.',
    );
  }
  return new Promise((resolveExit, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: infraDir, env, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) => resolveExit(code === 0 ? 0 : 1));
  });
}
