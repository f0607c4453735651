/**
 * A stack as `godwit deploy synth --out DIR` writes it, read back: the template, each function's code
 * asset and its `Environment.Variables` with CloudFormation references resolved to local stand-ins.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPOSITORY_ROOT = resolve(import.meta.dirname, '../..');

interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

export interface Template {
  Resources: Record<string, TemplateResource>;
}

export interface SynthesizedFunction {
  logicalId: string;
  handler: string;
  /** The code asset directory in the cloud assembly. */
  codeDirectory: string;
  /** Environment.Variables as written in the template (values may be CloudFormation expressions). */
  variables: Record<string, unknown>;
}

/** One upload of the web app into its bucket (a CDK BucketDeployment): the files, and where they go. */
export interface WebAppUpload {
  /** Key prefix in the web app bucket ('' for the bucket's root). */
  prefix: string;
  /** The source asset directory in the cloud assembly. */
  directory: string;
  /** Cache-Control the objects are given. */
  cacheControl: string | undefined;
}

export interface SynthesizedStack {
  outdir: string;
  template: Template;
  functions: SynthesizedFunction[];
  webAppUploads: WebAppUpload[];
}

/** Runs the `godwit` command as a user does: `godwit deploy synth --out DIR --settings FILE`. */
export async function synthesize(settings: Record<string, unknown>): Promise<SynthesizedStack> {
  const work = mkdtempSync(join(tmpdir(), 'godwit-shipped-synth-'));
  const settingsFile = join(work, 'godwit.deploy.json');
  writeFileSync(settingsFile, JSON.stringify(settings));
  const outdir = join(work, 'cdk.out');
  await run(
    process.execPath,
    [join(REPOSITORY_ROOT, 'bin/godwit.js'), 'deploy', 'synth', '--out', outdir, '--settings', settingsFile],
    { cwd: work, env: { PATH: process.env.PATH ?? '', HOME: work }, maxBuffer: 16 * 1024 * 1024 },
  );
  const stackName = (settings.stackName as string | undefined) ?? 'Godwit';
  const template = JSON.parse(readFileSync(join(outdir, `${stackName}.template.json`), 'utf8')) as Template;
  const assets = JSON.parse(readFileSync(join(outdir, `${stackName}.assets.json`), 'utf8')) as {
    files: Record<string, { source: { path: string }; destinations: Record<string, { objectKey: string }> }>;
  };
  const assetByKey = new Map(
    Object.values(assets.files).flatMap((file) =>
      Object.values(file.destinations).map((destination) => [destination.objectKey, file.source.path]),
    ),
  );
  const functions = Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .flatMap(([logicalId, resource]) => {
      const properties = resource.Properties as {
        Handler: string;
        Code: { S3Key?: string };
        Environment?: { Variables: Record<string, unknown> };
      };
      const asset = properties.Code.S3Key ? assetByKey.get(properties.Code.S3Key) : undefined;
      // CDK's own helper functions (bucket notifications) carry no Godwit environment.
      if (!asset || !properties.Environment?.Variables.GODWIT_STORAGE__VECTORS) return [];
      return [
        {
          logicalId,
          handler: properties.Handler,
          codeDirectory: join(outdir, asset),
          variables: properties.Environment.Variables,
        },
      ];
    });
  const webAppUploads = Object.values(template.Resources)
    .filter((resource) => resource.Type === 'Custom::CDKBucketDeployment')
    .map((resource) => {
      const properties = resource.Properties as {
        SourceObjectKeys: string[];
        DestinationBucketKeyPrefix?: string;
        SystemMetadata?: Record<string, string>;
      };
      const asset = assetByKey.get(properties.SourceObjectKeys[0]!);
      if (!asset) throw new Error(`No asset in the assembly for ${properties.SourceObjectKeys[0]}`);
      return {
        prefix: properties.DestinationBucketKeyPrefix ?? '',
        directory: join(outdir, asset),
        cacheControl: properties.SystemMetadata?.['cache-control'],
      };
    });
  return { outdir, template, functions, webAppUploads };
}

/** Stand-in values for what CloudFormation resolves at deploy time. */
export interface Resolutions {
  region: string;
  accountId: string;
  /** Value of `Ref` (and `Fn::GetAtt`, by attribute) per resource type. */
  byType: Record<string, { ref?: string; attributes?: Record<string, string> }>;
}

/**
 * Resolves `Ref`, `Fn::GetAtt` and `Fn::Join` as CloudFormation would, from stand-in values per
 * resource type; anything else fails, naming the expression.
 */
export function resolveVariables(
  template: Template,
  variables: Record<string, unknown>,
  resolutions: Resolutions,
): Record<string, string> {
  const pseudo: Record<string, string> = {
    'AWS::Region': resolutions.region,
    'AWS::AccountId': resolutions.accountId,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const typeOf = (logicalId: string) => {
    const resource = template.Resources[logicalId];
    if (!resource) throw new Error(`The template has no resource ${logicalId}`);
    return resource.Type;
  };
  const resolveValue = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const expression = value as Record<string, unknown>;
    if (typeof expression.Ref === 'string') {
      const name = expression.Ref;
      const known = pseudo[name] ?? resolutions.byType[typeOf(name)]?.ref;
      if (known === undefined) throw new Error(`No stand-in for Ref ${name} (${typeOf(name)})`);
      return known;
    }
    if (Array.isArray(expression['Fn::GetAtt'])) {
      const [name, attribute] = expression['Fn::GetAtt'] as [string, string];
      const known = resolutions.byType[typeOf(name)]?.attributes?.[attribute];
      if (known === undefined) throw new Error(`No stand-in for GetAtt ${name}.${attribute}`);
      return known;
    }
    if (Array.isArray(expression['Fn::Join'])) {
      const [separator, parts] = expression['Fn::Join'] as [string, unknown[]];
      return parts.map(resolveValue).join(separator);
    }
    throw new Error(`Cannot resolve ${JSON.stringify(value)}`);
  };
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, resolveValue(value)]));
}
