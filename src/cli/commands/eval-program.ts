/**
 * Registers `godwit eval answers`, `godwit eval tools` and `godwit eval draft`; their code is imported only when a command runs,
 * so `godwit --help` does not load the evaluation modules.
 */
import { type Command, Option } from 'commander';
import type { GlobalOptions } from '../context.ts';
import type { Output } from '../output.ts';

type Runner = <A extends unknown[]>(
  handler: (...args: A) => Promise<number>,
) => (...args: A) => Promise<void>;

/** Adds `godwit eval answers`, `godwit eval tools` and `godwit eval draft` to the `eval` command group. */
export function registerAnswerEvaluation(
  evaluate: Command,
  output: Output,
  run: Runner,
  globals: () => GlobalOptions,
): void {
  evaluate
    .command('answers')
    .description(
      'score answers to a golden set (facts, citations, refusals, latency, cost); A/B with --compare',
    )
    .requiredOption(
      '--set <file>',
      'golden set, JSON Lines: {"question","facts","reference","sources","unanswerable","tags","expected_tools"}',
    )
    .option('--kb <name>', 'knowledge base (default: the only one, or handbook)')
    .option('--model <model>', 'provider:model-id (default: GODWIT_MODEL)')
    .option('--assistant <name>', 'answer as this configured assistant, through its tool loop')
    .option(
      '--compare <variants>',
      'comma-separated models, assistant:NAME or server URLs (assistant:NAME@URL), the first as baseline',
    )
    .option(
      '--fail-below <thresholds>',
      'exit 1 when a variant scores below, e.g. fact_recall=0.9,citation_hit=0.8',
    )
    .option('--judge <model>', 'also rate faithfulness and relevance with this provider:model-id')
    .option('--report <dir>', 'write report.json, report.md and report.html there')
    .option('--seed <n>', 'seed of the paired bootstrap', '1')
    .option('--json', 'print the report as one JSON document')
    .option(
      '--no-warm-up',
      'skip the untimed first turn per variant that keeps start-up costs out of latency',
    )
    .addOption(new Option('--no-sample', 'do not load the sample knowledge base into a new data dir'))
    .action(
      run(async (options) =>
        (await import('./eval-answers.ts')).evalAnswersCommand({ ...globals(), ...options }, output),
      ),
    );
  evaluate
    .command('tools')
    .description('tool-calling check: accuracy of one or more models at calling functions, per category')
    .option(
      '--model <model>',
      'provider:model-id to check; repeat to compare (the first is the baseline)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--set <file>', 'tool-calling set, JSON Lines in BFCL form (default: the built-in set)')
    .option('--fail-below <accuracy>', 'exit 1 when a model scores below this overall accuracy (0-1)')
    .option('--report <dir>', 'write tools-report.json and tools-report.md there')
    .option('--seed <n>', 'seed of the paired bootstrap', '1')
    .option('--json', 'print the report as one JSON document')
    .action(
      run(async (options) =>
        (await import('./eval-tools.ts')).evalToolsCommand(
          { ...globals(), ...options, env: process.env },
          output,
        ),
      ),
    );
  evaluate
    .command('draft')
    .description('draft golden-set questions from sampled passages with the configured model, for review')
    .option('--kb <name>', 'knowledge base (default: the only one, or handbook)')
    .option('--count <n>', 'questions to draft, 1-500', '20')
    .option('--model <model>', 'provider:model-id that writes the questions (default: GODWIT_MODEL)')
    .option('--seed <n>', 'seed of the passage sample', '1')
    .option('--out <file>', 'write the JSON Lines there (never overwritten) instead of stdout')
    .action(
      run(async (options) =>
        (await import('./eval-draft.ts')).evalDraftCommand({ ...globals(), ...options }, output),
      ),
    );
}
