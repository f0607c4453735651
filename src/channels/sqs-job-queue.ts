/**
 * Channel jobs through Amazon SQS, for AWS Lambda: the function that acknowledged the platform may be frozen
 * right after it responds, so the answer is written by the worker function that reads the queue
 * (src/runtime/ingest-lambda.ts). The SQS client is loaded on first use only.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { CHANNEL_JOB_PROPERTY, type ChannelJob, type ChannelJobQueue } from './shared/channel-job.ts';

export interface SqsJobQueueSettings {
  queueUrl: string;
  /** An SQS client (a local endpoint in tests). Default: the AWS SDK's credential chain and region. */
  client?: Pick<SQSClient, 'send'>;
}

export class SqsJobQueue implements ChannelJobQueue {
  private client: Promise<Pick<SQSClient, 'send'>> | null;

  constructor(private readonly settings: SqsJobQueueSettings) {
    this.client = settings.client ? Promise.resolve(settings.client) : null;
  }

  async enqueue(job: ChannelJob): Promise<void> {
    const { SendMessageCommand, SQSClient } = await import('@aws-sdk/client-sqs');
    // The queue URL names the endpoint (a VPC endpoint or a local stand-in alike).
    this.client ??= Promise.resolve(new SQSClient({ endpoint: new URL(this.settings.queueUrl).origin }));
    const client = await this.client;
    await client.send(
      new SendMessageCommand({
        QueueUrl: this.settings.queueUrl,
        MessageBody: JSON.stringify({ [CHANNEL_JOB_PROPERTY]: job }),
      }),
    );
  }
}
