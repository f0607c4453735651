/**
 * The dashboard, alarms and budget: error rate, p99 latency and throttles of each function, the
 * dead-letter queue's depth, the daily model cost (from the functions' embedded metrics), and an AWS
 * Budget on the account's monthly spend.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { CfnBudget } from 'aws-cdk-lib/aws-budgets';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  SingleValueWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface ObservabilityProps {
  functions: Record<string, LambdaFunction>;
  deadLetterQueue: Queue;
  email: string | null;
  dailyCostUsd: number;
  p99LatencyMs: number;
  errorRatePercent: number;
  monthlyBudgetUsd: number;
  budgetEmail: string | null;
}

export class Observability extends Construct {
  readonly alarms: Alarm[] = [];
  readonly topic: Topic;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Alarms', {
      displayName: 'Godwit alarms',
      masterKey: new Key(this, 'AlarmsKey', { enableKeyRotation: true, description: 'Godwit alarm topic' }),
      enforceSSL: true,
    });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-godwit`,
    });

    for (const [name, fn] of Object.entries(props.functions)) {
      const errorRate = new MathExpression({
        label: `${name} error rate (%)`,
        expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
        usingMetrics: {
          errors: fn.metricErrors({ period: Duration.minutes(5) }),
          invocations: fn.metricInvocations({ period: Duration.minutes(5) }),
        },
        period: Duration.minutes(5),
      });
      const p99 = fn.metricDuration({ statistic: 'p99', period: Duration.minutes(5) });
      const throttles = fn.metricThrottles({ period: Duration.minutes(5) });
      this.alarm(`${name}ErrorRate`, {
        metric: errorRate,
        threshold: props.errorRatePercent,
        evaluationPeriods: 3,
        description: `${name}: more than ${props.errorRatePercent}% of invocations failed in 3 of 3 five-minute periods.`,
      });
      this.alarm(`${name}P99Latency`, {
        metric: p99,
        threshold: props.p99LatencyMs,
        evaluationPeriods: 3,
        description: `${name}: p99 duration above ${props.p99LatencyMs} ms for 15 minutes.`,
      });
      this.alarm(`${name}Throttles`, {
        metric: throttles,
        threshold: 0,
        evaluationPeriods: 1,
        description: `${name}: invocations were throttled (concurrency limit reached).`,
      });
      this.dashboard.addWidgets(
        new GraphWidget({
          title: `${name}: invocations and errors`,
          left: [fn.metricInvocations(), fn.metricErrors()],
        }),
        new GraphWidget({
          title: `${name}: duration p50 / p99`,
          left: [fn.metricDuration({ statistic: 'p50' }), p99],
        }),
        new GraphWidget({ title: `${name}: throttles`, left: [throttles] }),
      );
    }

    const dlqDepth = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(5),
    });
    this.alarm('IngestDeadLetters', {
      metric: dlqDepth,
      threshold: 0,
      evaluationPeriods: 1,
      description: 'Uploads that failed ingestion after every retry are waiting in the dead-letter queue.',
    });

    const cost = (service: string) =>
      new Metric({
        namespace: 'Godwit',
        metricName: 'CostUsd',
        dimensionsMap: { Service: service },
        statistic: 'Sum',
        period: Duration.days(1),
      });
    const dailyCost = new MathExpression({
      label: 'model cost (USD/day)',
      expression: 'api + ingest',
      usingMetrics: { api: cost('api'), ingest: cost('ingest') },
      period: Duration.days(1),
    });
    this.alarm('DailyModelCost', {
      metric: dailyCost,
      threshold: props.dailyCostUsd,
      evaluationPeriods: 1,
      description: `Model spend recorded by Godwit passed ${props.dailyCostUsd} USD in one day.`,
    });
    const tokens = (name: string) =>
      new Metric({
        namespace: 'Godwit',
        metricName: name,
        dimensionsMap: { Service: 'api' },
        statistic: 'Sum',
      });
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'model tokens', left: [tokens('InputTokens'), tokens('OutputTokens')] }),
      new SingleValueWidget({ title: 'model cost today (USD)', metrics: [dailyCost] }),
      new GraphWidget({ title: 'ingest dead-letter queue', left: [dlqDepth] }),
    );

    new CfnBudget(this, 'Budget', {
      budget: {
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: props.monthlyBudgetUsd, unit: 'USD' },
      },
      notificationsWithSubscribers: props.budgetEmail
        ? [80, 100].map((threshold) => ({
            notification: {
              notificationType: threshold === 100 ? 'FORECASTED' : 'ACTUAL',
              comparisonOperator: 'GREATER_THAN',
              threshold,
              thresholdType: 'PERCENTAGE',
            },
            subscribers: [{ subscriptionType: 'EMAIL', address: props.budgetEmail! }],
          }))
        : [],
    });
  }

  private alarm(
    id: string,
    options: {
      metric: Metric | MathExpression;
      threshold: number;
      evaluationPeriods: number;
      description: string;
    },
  ): void {
    const alarm = new Alarm(this, id, {
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}
