import { PolicyStatement } from 'aws-cdk-lib/aws-iam';

/** Objects in the documents bucket: read, write, delete, and listing (for export); nothing else. */
export function documentAccess(bucketArn: string): PolicyStatement[] {
  return [
    new PolicyStatement({
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      resources: [`${bucketArn}/*`],
    }),
    new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucketArn] }),
  ];
}
