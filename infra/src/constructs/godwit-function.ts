/** A Godwit Lambda function: Node.js 24 on arm64, X-Ray tracing, its own log group and role. */
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type IRole, ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  Function as LambdaFunction,
  ParamsAndSecretsLayerVersion,
  ParamsAndSecretsVersions,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { LambdaName } from '../lambda-bundle.ts';
import { lambdaCode, lambdaHandler } from '../lambda-code.ts';

export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;

export interface GodwitFunctionProps {
  bundle: LambdaName;
  /** Export of the bundle's entry module. */
  exportName: string;
  description: string;
  memorySize: number;
  timeout: Duration;
  environment: Record<string, string>;
  /** Adds the AWS Parameters and Secrets extension, which serves Secrets Manager values on localhost. */
  readsSecrets: boolean;
}

export class GodwitFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: IRole;

  constructor(scope: Construct, id: string, props: GodwitFunctionProps) {
    super(scope, id);
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Godwit ${id}: logs, traces, and the data stores and models granted by the stack`,
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole')],
    });
    const logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.function = new LambdaFunction(this, 'Function', {
      code: lambdaCode(props.bundle),
      handler: lambdaHandler(props.exportName),
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
      description: props.description,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup,
      tracing: Tracing.ACTIVE,
      environment: {
        GODWIT_DATA_DIR: '/tmp/godwit',
        ...props.environment,
      },
      ...(props.readsSecrets
        ? { paramsAndSecrets: ParamsAndSecretsLayerVersion.fromVersion(ParamsAndSecretsVersions.V1_0_103) }
        : {}),
    });
  }
}
