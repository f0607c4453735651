/**
 * A stack synthesizer for deploying the synthesized template with Terraform (infra/terraform/) instead of
 * the CDK CLI: no `cdk bootstrap`, no bootstrap bucket, roles or SSM version check. The template takes
 * the asset bucket and key prefix as CloudFormation parameters; each asset is written beside the template
 * as a ready-to-upload object (directories zipped, deterministically); and `godwit-terraform.json` lists
 * what the Terraform module reads: the template, the objects to upload, the parameters, the settings.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import {
  CfnParameter,
  type DockerImageAssetLocation,
  type DockerImageAssetSource,
  type FileAssetLocation,
  FileAssetPackaging,
  type FileAssetSource,
  Fn,
  type ISynthesisSession,
  StackSynthesizer,
} from 'aws-cdk-lib';
import { zipSync } from 'fflate';

/** The file Terraform reads first; its `version` changes when its shape does. */
export const TERRAFORM_MANIFEST = 'godwit-terraform.json';
export const TERRAFORM_MANIFEST_VERSION = 1;

/** CloudFormation parameter names the Terraform module fills in (infra/terraform/main.tf). */
export const TERRAFORM_PARAMETERS = {
  assetsBucket: 'AssetsBucketName',
  assetsKeyPrefix: 'AssetsKeyPrefix',
  containerImageUri: 'ContainerImageUri',
  containerRepositoryName: 'ContainerRepositoryName',
} as const;

export interface TerraformAsset {
  /** Path of the object to upload, relative to the synth directory. */
  file: string;
  /** Object key after the key prefix. */
  key: string;
}

export interface TerraformManifest {
  version: number;
  stackName: string;
  /** Template file, relative to the synth directory. */
  template: string;
  parameters: string[];
  assets: TerraformAsset[];
  /** The deploy settings the template was built from, named as the module's variables. */
  settings: Record<string, unknown>;
}

export interface TerraformStackSynthesizerProps {
  /** Written to the manifest as `settings`; the module refuses to apply a template built from other settings. */
  settings: Record<string, unknown>;
}

// A fixed timestamp keeps the zip bytes (and so the S3 object's ETag) identical across rebuilds.
const ZIP_MTIME = new Date('1980-01-01T00:00:00Z');

export class TerraformStackSynthesizer extends StackSynthesizer {
  private readonly fileAssets: FileAssetSource[] = [];
  private readonly parameters = new Map<string, CfnParameter>();

  constructor(private readonly props: TerraformStackSynthesizerProps) {
    super();
  }

  addFileAsset(asset: FileAssetSource): FileAssetLocation {
    if (!asset.fileName) {
      throw new Error(
        'Terraform deployments upload files only; an asset built by a command (executable) is not supported.',
      );
    }
    this.fileAssets.push(asset);
    const bucketName = this.parameter(TERRAFORM_PARAMETERS.assetsBucket, {
      description: 'S3 bucket holding the Lambda code and other assets (uploaded by Terraform)',
      allowedPattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
    }).valueAsString;
    const prefix = this.parameter(TERRAFORM_PARAMETERS.assetsKeyPrefix, {
      description: 'Key prefix of the assets in the bucket, for example godwit/dev/',
      allowedPattern: '^([!-~]*/)?$',
    }).valueAsString;
    const objectKey = Fn.join('', [prefix, objectName(asset)]);
    const httpUrl = Fn.join('', ['https://', bucketName, '.s3.amazonaws.com/', objectKey]);
    return {
      bucketName,
      objectKey,
      httpUrl,
      s3ObjectUrl: Fn.join('', ['s3://', bucketName, '/', objectKey]),
    };
  }

  /** The server image is built and pushed outside Terraform (docker build + push); the stack takes its URI. */
  addDockerImageAsset(_asset: DockerImageAssetSource): DockerImageAssetLocation {
    const imageUri = this.parameter(TERRAFORM_PARAMETERS.containerImageUri, {
      description: 'URI of the Godwit server image in ECR (the repository Dockerfile, built and pushed)',
      allowedPattern: '^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/.+$',
    }).valueAsString;
    const repositoryName = this.parameter(TERRAFORM_PARAMETERS.containerRepositoryName, {
      description: 'ECR repository of that image (its execution role may pull from it)',
      allowedPattern: '^[a-z0-9][a-z0-9._/-]*$',
    }).valueAsString;
    return { imageUri, repositoryName };
  }

  synthesize(session: ISynthesisSession): void {
    const stack = this.boundStack;
    this.synthesizeTemplate(session);
    this.emitArtifact(session);
    const outdir = session.assembly.outdir;
    const assets = this.fileAssets.map((asset) => writeAsset(outdir, asset));
    const manifest: TerraformManifest = {
      version: TERRAFORM_MANIFEST_VERSION,
      stackName: stack.stackName,
      template: stack.templateFile,
      parameters: [...this.parameters.keys()].sort(),
      assets: uniqueBy(assets, (asset) => asset.key),
      settings: this.props.settings,
    };
    writeFileSync(join(outdir, TERRAFORM_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  }

  private parameter(name: string, props: { description: string; allowedPattern: string }): CfnParameter {
    let parameter = this.parameters.get(name);
    if (!parameter) {
      parameter = new CfnParameter(this.boundStack, name, { type: 'String', ...props });
      this.parameters.set(name, parameter);
    }
    return parameter;
  }
}

function objectName(asset: FileAssetSource): string {
  if (asset.packaging === FileAssetPackaging.FILE) {
    const extension = /\.[A-Za-z0-9]+$/.exec(asset.fileName ?? '')?.[0] ?? '';
    return `${asset.sourceHash}${extension}`;
  }
  return `${asset.sourceHash}.zip`;
}

/** Stages one asset as a file in the synth directory: a directory becomes `asset.<hash>.zip`. */
function writeAsset(outdir: string, asset: FileAssetSource): TerraformAsset {
  const source = isAbsolute(asset.fileName!) ? asset.fileName! : join(outdir, asset.fileName!);
  const key = objectName(asset);
  if (asset.packaging === FileAssetPackaging.FILE) {
    return { file: relative(outdir, source), key };
  }
  const file = `asset.${asset.sourceHash}.zip`;
  const entries: Record<string, [Uint8Array, { mtime: Date; os: number; attrs: number }]> = {};
  for (const path of listFiles(source)) {
    const mode = statSync(join(source, path)).mode & 0o111 ? 0o755 : 0o644;
    entries[path] = [
      readFileSync(join(source, path)),
      { mtime: ZIP_MTIME, os: 3, attrs: (0o100000 | mode) << 16 },
    ];
  }
  mkdirSync(outdir, { recursive: true });
  writeFileSync(join(outdir, file), zipSync(entries, { level: 9 }));
  return { file, key };
}

function listFiles(root: string, prefix = ''): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true })
    .sort((left, right) => left.name.localeCompare(right.name))
    .flatMap((entry) => {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      return entry.isDirectory() ? listFiles(root, path) : [path];
    });
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  return [...new Map(items.map((item) => [key(item), item])).values()];
}
