/** Synthesizes the stack for tests: no bundling, cdk-nag on (synth throws on an unacknowledged finding). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../src/config/load-config.ts';
import { createGodwitApp } from '../src/app.ts';
import type { GodwitStack } from '../src/godwit-stack.ts';
import { parseDeploySettings } from '../src/settings.ts';

export interface SynthesizedStack {
  stack: GodwitStack;
  template: Template;
}

export function synthStack(settings: Record<string, unknown> = {}): SynthesizedStack {
  const outdir = mkdtempSync(join(tmpdir(), 'godwit-cdk-test-'));
  try {
    const { app, stack } = createGodwitApp({
      settings: parseDeploySettings(settings),
      outdir,
      context: { 'aws:cdk:bundling-stacks': [] },
    });
    app.synth();
    return { stack, template: Template.fromStack(stack) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export interface PolicyStatementJson {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
}

/** Every statement of every IAM policy in the template. */
export function policyStatements(template: Template): PolicyStatementJson[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: PolicyStatementJson[] } } }).Properties
        .PolicyDocument.Statement,
  );
}

export function actionsOf(statement: PolicyStatementJson): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/**
 * The stream function's `Environment.Variables`. CloudFormation fills in references at deploy time; a
 * value of the right shape stands in for each here.
 */
export function templateEnvironmentOf(template: Template): Record<string, string> {
  const fn = Object.values(
    template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.streamHandler' } }),
  )[0] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
  const standIn = (name: string) =>
    name.endsWith('_ARN')
      ? 'arn:aws:service:eu-west-1:123456789012:resource/x'
      : name.endsWith('_QUEUE_URL')
        ? 'https://sqs.eu-west-1.amazonaws.com/123456789012/resolved'
        : name.endsWith('_ENDPOINT') || name.endsWith('_ISSUER')
          ? 'https://resolved.example.com'
          : 'resolved-at-deploy';
  return Object.fromEntries(
    Object.entries(fn.Properties.Environment.Variables).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : standIn(name),
    ]),
  );
}

/** The server configuration the stream function would load from its environment. */
export function serverConfigOf(template: Template) {
  return loadConfig({ env: templateEnvironmentOf(template), cwd: '/tmp' }).config;
}
