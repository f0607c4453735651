/**
 * cdk-nag (AWS Solutions) findings that are accepted, each with its reason. Everything else the rules
 * ask for is built into the stack.
 */
import { type CfnResource, type Stack, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { bedrockModelId } from './bedrock-access.ts';
import type { WebApp } from './constructs/web-app.ts';
import type { GodwitStack } from './godwit-stack.ts';
import { type DeploySettings, secretVariables } from './settings.ts';

const BASIC_EXECUTION =
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]';

function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

function logicalIdOf(stack: Stack, resource: IConstruct): string {
  return stack.getLogicalId(resource.node.defaultChild as CfnResource);
}

export function acknowledgeFindings(stack: GodwitStack, settings: DeploySettings): void {
  acknowledge(
    stack,
    BASIC_EXECUTION,
    'AWSLambdaBasicExecutionRole grants only logs:CreateLogGroup, logs:CreateLogStream and logs:PutLogEvents, which every function needs to write its logs.',
  );
  acknowledge(
    stack,
    'AwsSolutions-IAM5[Resource::*]',
    'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords, and bedrock:RetrieveAndGenerate (granted only when a Bedrock knowledge base answers in retrieveAndGenerate mode), do not support resource-level permissions (the Service Authorization Reference lists no resource type for them, so "*" is the only resource); the knowledge bases themselves are named in the bedrock:Retrieve statement.',
  );
  acknowledge(
    stack,
    `AwsSolutions-IAM5[Resource::<${logicalIdOf(stack, stack.data.table)}.Arn>/index/*]`,
    "Queries on the table's own secondary indexes; the table is this stack's and holds only Godwit's records.",
  );
  acknowledge(
    stack,
    `AwsSolutions-IAM5[Resource::<${logicalIdOf(stack, stack.data.documents)}.Arn>/*]`,
    'Objects are named by tenant, knowledge base and file at run time, so the grant covers the objects of this one bucket (get, put and delete only).',
  );
  for (const name of [settings.models.default, ...settings.models.fallback, settings.models.embedding]) {
    const id = name ? bedrockModelId(name) : null;
    const profile = id ? /^(?:us|eu|apac|us-gov|ca|jp|au|global)\.(.+)$/.exec(id) : null;
    if (!profile) continue;
    acknowledge(
      stack,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${profile[1]}]`,
      `Cross-region inference profile ${id} routes each request to a region chosen at run time; the statement allows only this model and only through this profile (condition bedrock:InferenceProfileArn).`,
    );
  }
  if (settings.compute === 'lambda' && settings.vectorStore === 's3vectors') {
    const bucket = stack.node.findChild('Vectors').node.findChild('Bucket');
    acknowledge(
      stack,
      `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(bucket as CfnResource)}.VectorBucketArn>/index/*]`,
      "The server creates one index per knowledge base, named at run time; the grant covers the indexes of this stack's one vector bucket.",
    );
  }
  if (settings.compute === 'lambda') {
    acknowledge(
      stack,
      'AwsSolutions-APIG4',
      'The server authenticates every request itself (API keys, and JWTs from the configured OIDC issuer); an HTTP API authorizer cannot check Godwit API keys, and /healthz must stay open for health checks.',
    );
  }
  if (stack.webApp) acknowledgeWebApp(stack, stack.webApp, settings);
  for (const variable of secretVariables(settings)) {
    const secret = stack.node.tryFindChild(`Secret${variable}`);
    if (!secret) continue;
    acknowledge(
      secret,
      'AwsSolutions-SMG4',
      `${variable} is a key issued by a third-party provider; only that provider can issue a new one, so it is rotated by putting the new value (docs/DEPLOYMENT.md).`,
    );
  }
  if (settings.compute === 'fargate') {
    const containers = stack.node.findChild('Containers');
    acknowledge(
      containers,
      'AwsSolutions-AEC6',
      'Redis is reachable only from the service security group, in private subnets, with TLS in transit and encryption at rest; it holds only caches and rate-limit counters.',
    );
    acknowledge(
      containers,
      'AwsSolutions-EC23',
      'The load balancer is the public entry point of the API; it accepts the web from anywhere by design, and the server authenticates every request.',
    );
    acknowledge(
      containers,
      'AwsSolutions-ECS2',
      'The task environment holds configuration only (models, host, port, endpoints); the database password and provider keys come from Secrets Manager as ECS secrets.',
    );
  }
  if (settings.compute === 'fargate' && Token.isUnresolved(stack.region)) {
    acknowledge(
      stack.node.findChild('Containers'),
      'AwsSolutions-ELB2',
      'Load balancer access logs are turned on when the stack is bound to a region (`godwit deploy` with AWS_REGION set); this region-agnostic template cannot name the ELB log-delivery account.',
    );
  }
  if (!settings.retainData && (settings.vectorStore === 'aurora' || settings.compute === 'fargate')) {
    acknowledge(
      stack,
      'AwsSolutions-RDS10',
      'retainData: false asks for the database to go with the stack (a throwaway environment), so deletion protection is off; the default keeps it on.',
    );
  }
  if (settings.vectorStore === 'aurora' || settings.compute === 'fargate') {
    acknowledge(
      stack,
      'AwsSolutions-SMG4',
      'Rotating the database secret needs a rotation function inside the isolated VPC with a Secrets Manager endpoint; rotate it with `aws secretsmanager rotate-secret` after adding one (docs/DEPLOYMENT.md).',
    );
  }
}

/** The web app's distribution, and the function CDK's BucketDeployment uploads the files with. */
function acknowledgeWebApp(stack: GodwitStack, webApp: WebApp, settings: DeploySettings): void {
  acknowledge(
    webApp,
    'AwsSolutions-CFR1',
    'The web app serves the users of the deployment wherever they are; nothing in it is restricted by country.',
  );
  acknowledge(
    webApp,
    'AwsSolutions-CFR2',
    'A CloudFront web ACL must be created in us-east-1, apart from this regional stack; the API behind the distribution authenticates every request and API Gateway throttles it. Attach your own web ACL to the distribution if you need one (docs/DEPLOYMENT.md).',
  );
  if (!settings.webApp.domain) {
    acknowledge(
      webApp,
      'AwsSolutions-CFR4',
      "Without webApp.domain the distribution uses CloudFront's own certificate (*.cloudfront.net), whose security policy CloudFront fixes; with a custom domain the stack sets TLSv1.2_2021.",
    );
  }
  const deployer = stack.node.children.find((child) =>
    child.node.id.startsWith('Custom::CDKBucketDeployment'),
  );
  if (!deployer) return;
  acknowledge(
    deployer,
    'AwsSolutions-L1',
    "CDK's BucketDeployment function runs on the Python runtime CDK pins for it (with the AWS CLI layer); it runs only during deploys, to copy the built web app into its bucket.",
  );
  const reason =
    "CDK's BucketDeployment function copies the built web app from the deployment's asset bucket into the web app bucket (read the asset objects; list, put and delete in the web app bucket). Its grants name only those two buckets.";
  for (const finding of [
    'Action::s3:GetObject*',
    'Action::s3:GetBucket*',
    'Action::s3:List*',
    'Action::s3:DeleteObject*',
    'Action::s3:Abort*',
    `Resource::<${logicalIdOf(stack, webApp.bucket)}.Arn>/*`,
    'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
    'Resource::arn:<AWS::Partition>:s3:::<AssetsBucketName>/*',
  ]) {
    acknowledge(deployer, `AwsSolutions-IAM5[${finding}]`, reason);
  }
}
