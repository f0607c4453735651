import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deployCommand } from '../../src/cli/commands/deploy.ts';
import { main } from '../../src/cli/main.ts';
import { captureOutput } from '../../test/support/capture-output.ts';

const workDir = mkdtempSync(join(tmpdir(), 'godwit-deploy-'));

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

const noCredentials = { PATH: process.env.PATH, HOME: workDir };

describe('godwit deploy synth', () => {
  it('writes the template and the bundled Lambda code with no AWS account', async () => {
    const out = join(workDir, 'cdk.out');
    const output = captureOutput();
    const code = await deployCommand('synth', { out, env: noCredentials, cwd: workDir }, output.output);
    expect(code).toBe(0);
    const template = JSON.parse(readFileSync(join(out, 'Godwit.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const functions = Object.values(template.Resources).filter(
      (resource) =>
        resource.Type === 'AWS::Lambda::Function' &&
        String(resource.Properties.Description).startsWith('Godwit'),
    );
    expect(functions).toHaveLength(3);
    const assetDirs = readdirSync(out).filter(
      (name) => name.startsWith('asset.') && statSync(join(out, name)).isDirectory(),
    );
    const bundles = assetDirs.filter((name) => existsSync(join(out, name, 'index.mjs')));
    // The API and the stream function share one bundle; ingest has its own.
    expect(bundles.length).toBe(2);
    for (const bundle of bundles) {
      const entry = readFileSync(join(out, bundle, 'index.mjs'), 'utf8');
      expect(entry.length).toBeGreaterThan(10_000);
      expect(entry).not.toContain('pglite.wasm');
    }
    expect(output.stderr()).toContain('Godwit.template.json');
  }, 240_000);

  it('reads deploy settings from a file and reports a wrong key by name', async () => {
    const settings = join(workDir, 'bad.yaml');
    writeFileSync(settings, 'vectorStore: pinecone\n');
    const output = captureOutput();
    const code = await main(
      ['deploy', 'synth', '--out', join(workDir, 'x'), '--settings', settings],
      output.output,
    );
    expect(code).toBe(2);
    expect(output.stderr()).toContain('vectorStore');
  });

  it('asks for --out', async () => {
    const output = captureOutput();
    expect(await main(['deploy', 'synth'], output.output)).toBe(2);
    expect(output.stderr()).toContain('--out DIR');
  });
});

describe('godwit deploy and diff', () => {
  it('names the AWS credential variables when none are set', async () => {
    for (const action of ['deploy', 'diff']) {
      await expect(
        deployCommand(action, { env: noCredentials, cwd: workDir }, captureOutput().output),
      ).rejects.toThrow(/AWS_ACCESS_KEY_ID \+ AWS_SECRET_ACCESS_KEY, or AWS_PROFILE/);
    }
  });

  it('says to clone the repository when the CDK app is not there', async () => {
    await expect(
      deployCommand(
        'synth',
        { out: join(workDir, 'y'), infraDir: join(workDir, 'no-infra'), env: noCredentials },
        captureOutput().output,
      ),
    ).rejects.toThrow(/CDK app is not here.*npm run setup:deploy/);
  });

  it('names the install command when the AWS CDK is not installed beside the app', async () => {
    // A clone whose default install ran, without the deploy tools: the app is there, aws-cdk-lib is not.
    const bare = join(workDir, 'bare-infra');
    mkdirSync(join(bare, 'src'), { recursive: true });
    writeFileSync(join(bare, 'package.json'), '{"name":"@godwit/infra","private":true}');
    writeFileSync(join(bare, 'src/app.ts'), 'export {};');
    await expect(
      deployCommand(
        'synth',
        { out: join(workDir, 'z'), infraDir: bare, env: noCredentials },
        captureOutput().output,
      ),
    ).rejects.toThrow(/AWS CDK is not installed in .*bare-infra.*npm run setup:deploy/);
  });

  it('rejects an unknown action', async () => {
    await expect(deployCommand('destroy', { env: noCredentials }, captureOutput().output)).rejects.toThrow(
      /synth, diff or deploy/,
    );
  });
});
