/**
 * The `godwit` command. Exit codes: 0 ok, 1 failure, 2 bad usage or configuration. With --json, stdout
 * holds one JSON document and nothing else. Each command's code is imported when that command runs, so
 * `godwit --version` and `--help` start in about the time Node itself takes.
 */
import { Command, CommanderError, Option } from 'commander';
import { VERSION } from '../config/version.ts';
import { GodwitError } from '../core/errors.ts';
import { registerAnswerEvaluation } from './commands/eval-program.ts';
import type { TransferOptions } from './commands/export.ts';
import type { MigrateCommandOptions } from './commands/migrate.ts';
import { createOutput, type Output } from './output.ts';

const USAGE_CODES = new Set(['validation_failed', 'config_invalid', 'bad_request']);

export async function main(argv: string[], output: Output = createOutput()): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(output, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (GodwitError.isInstance(error)) {
      output.error(error.message);
      return USAGE_CODES.has(error.code) ? 2 : 1;
    }
    output.error(error instanceof Error ? error.message : String(error));
    if (process.env.GODWIT_LOG_LEVEL === 'debug' && error instanceof Error) output.info(error.stack ?? '');
    return 1;
  }
}

function buildProgram(output: Output, setExitCode: (code: number) => void): Command {
  const program = new Command('godwit')
    .description('Godwit: answers from your documents with citations — on a laptop or on AWS.')
    .option('--config <file>', 'config file (default: GODWIT_CONFIG or ./godwit.config.yaml)')
    .option(
      '--data-dir <dir>',
      'data directory for the embedded database (default: GODWIT_DATA_DIR or ./.godwit)',
    )
    .version(VERSION, '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
    })
    .showHelpAfterError()
    .addHelpText(
      'after',
      '\nBeside a running `godwit serve` (or with --server), commands talk to that server: GODWIT_API_KEY is the key\n' +
        'they send, GODWIT_CLIENT_TIMEOUT_MS (default 120000) the longest wait for it to answer or send more.',
    );
  const run =
    <A extends unknown[]>(handler: (...args: A) => Promise<number>) =>
    async (...args: A) => {
      setExitCode(await handler(...args));
    };
  const globals = () => program.opts<{ config?: string; dataDir?: string }>();
  const noSample = new Option('--no-sample', 'do not load the sample knowledge base into a new data dir');

  program
    .command('serve')
    .description('serve the HTTP API on 127.0.0.1:8787')
    .option('--host <host>', 'address to bind (GODWIT_HOST)')
    .option('--port <port>', 'port (GODWIT_PORT)')
    .addOption(noSample)
    .action(
      run(async (options) =>
        (await import('./commands/serve.ts')).serveCommand({ ...globals(), ...options }, output),
      ),
    );

  program
    .command('ingest <target>')
    .description('index a file, a folder or an http(s) URL into a knowledge base')
    .option('--kb <name>', 'knowledge base (created when missing)', 'default')
    .option(
      '--server <url>',
      'send the files to this Godwit server (e.g. the AWS stack ApiUrl; key in GODWIT_API_KEY; wait GODWIT_CLIENT_TIMEOUT_MS)',
    )
    .option('--json', 'print the summary as JSON')
    .action(
      run(async (target: string, options) =>
        (await import('./commands/ingest.ts')).ingestCommand(target, { ...globals(), ...options }, output),
      ),
    );

  program
    .command('ask <question>')
    .description('answer one question from a knowledge base, with citations')
    .option('--kb <name>', 'knowledge base (default: the only one, or handbook)')
    .option('--model <model>', 'provider:model-id (default: GODWIT_MODEL)')
    .option('--assistant <name>', 'answer as a configured assistant (its tools, or its Bedrock Agent)')
    .option('--json', 'print {"answer","citations","model","usage"}')
    .addOption(noSample)
    .action(
      run(async (question: string, options) =>
        (await import('./commands/ask.ts')).askCommand(question, { ...globals(), ...options }, output),
      ),
    );

  program
    .command('chat')
    .description('talk with a knowledge base interactively')
    .option('--kb <name>', 'knowledge base')
    .option('--model <model>', 'provider:model-id')
    .option('--assistant <name>', 'talk with a configured assistant (/approve and /deny its tool calls)')
    .addOption(noSample)
    .action(
      run(async (options) =>
        (await import('./commands/chat.ts')).chatCommand({ ...globals(), ...options }, output),
      ),
    );

  program
    .command('search <query>')
    .description('show the passages that match a query')
    .option('--kb <name>', 'knowledge base')
    .option('--k <number>', 'number of results, 1-100', '8')
    .option('--mode <mode>', 'keyword, vector or hybrid')
    .option('--json', 'print {"results":[{"source","location","score","text"}]}')
    .addOption(noSample)
    .action(
      run(async (query: string, options) =>
        (await import('./commands/search.ts')).searchCommand(query, { ...globals(), ...options }, output),
      ),
    );

  const knowledgeBases = program.command('kb').description('manage knowledge bases');
  knowledgeBases
    .command('list')
    .description('knowledge bases with document and chunk counts')
    .option('--json', 'print {"knowledgeBases":[…]}')
    .action(
      run(async (options) =>
        (await import('./commands/kb.ts')).kbListCommand({ ...globals(), ...options }, output),
      ),
    );
  knowledgeBases
    .command('delete <name>')
    .description('delete a knowledge base with its documents, chunks and files')
    .action(
      run(async (name: string) =>
        (await import('./commands/kb.ts')).kbDeleteCommand(name, globals(), output),
      ),
    );

  const keys = program
    .command('keys')
    .description('API keys for the HTTP API (stored hashed; a secret is shown once, at creation)');
  keys
    .command('create')
    .description('create an API key and print its secret once')
    .requiredOption('--name <name>', 'a label for the key ("ci", "discord-bot")')
    .option('--role <role>', 'admin (manages keys, sees all usage) or user', 'user')
    .option('--tenant <tenant>', 'tenant the key acts in (default: default)')
    .option('--expires <when>', 'a duration (30d, 12h, 2w) or an ISO date (default: never)')
    .option('--json', 'print {"key","secret","warning"}')
    .action(
      run(async (options) =>
        (await import('./commands/keys.ts')).keysCreateCommand({ ...globals(), ...options }, output),
      ),
    );
  keys
    .command('list')
    .description("the tenant's keys, newest first (never their secrets)")
    .option('--tenant <tenant>', 'tenant (default: default)')
    .option('--json', 'print {"keys":[…]}')
    .action(
      run(async (options) =>
        (await import('./commands/keys.ts')).keysListCommand({ ...globals(), ...options }, output),
      ),
    );
  keys
    .command('revoke <id>')
    .description('revoke a key; it stops working at once')
    .option('--tenant <tenant>', 'tenant (default: default)')
    .option('--json', 'print {"key"}')
    .action(
      run(async (id: string, options) =>
        (await import('./commands/keys.ts')).keysRevokeCommand(id, { ...globals(), ...options }, output),
      ),
    );

  program
    .command('usage')
    .description('model calls, tokens and cost by day, model and API key or user')
    .option('--from <date>', 'first day, YYYY-MM-DD (UTC)')
    .option('--to <date>', 'last day, YYYY-MM-DD (UTC)')
    .option('--group-by <key|user>', 'rows by API key (default) or by user')
    .option('--user <id>', 'only this user (discord:<id>, slack:<team>:<id>, key:<key id>, a JWT subject)')
    .option('--json', 'print {"rows":[…]}')
    .action(
      run(async (options) =>
        (await import('./commands/usage.ts')).usageCommand({ ...globals(), ...options }, output),
      ),
    );

  program
    .command('audit')
    .description('who did what: admin actions, failed sign-ins, tool calls, budget alerts (newest first)')
    .option('--from <date>', 'from this day (YYYY-MM-DD, UTC) or instant (ISO 8601)')
    .option('--to <date>', 'through this day or instant')
    .option('--action <action>', 'an action (key.create) or a prefix ending in . (key.)')
    .option('--actor <actor>', 'key:<id>, a user, or anonymous')
    .option('--limit <n>', 'at most this many events (default 100, up to 1000)')
    .option('--json', 'print {"events":[…]}')
    .action(
      run(async (options) =>
        (await import('./commands/audit.ts')).auditCommand({ ...globals(), ...options }, output),
      ),
    );

  program
    .command('cost')
    .description('estimate costs')
    .command('estimate')
    .description(
      'monthly cost of the AWS deployment at a traffic level: infrastructure line by line, the model apart',
    )
    .option('--requests <n>', 'chat turns per month, e.g. 100k (default: a table for 0, 10k, 100k and 1M)')
    .option('--model <model>', 'provider:model-id (default: models.default, else Bedrock Claude 3.5 Haiku)')
    .option('--input-tokens <n>', 'prompt tokens per turn (default 1500)')
    .option('--output-tokens <n>', 'answer tokens per turn (default 300)')
    .option('--vector-store <store>', 'aurora (default), opensearch or s3vectors')
    .option('--compute <compute>', 'lambda (default) or fargate')
    .option('--stored-gb <gb>', 'documents, conversations and vectors kept, in GB (default 2)')
    .option('--json', 'print {"estimates":[…]}')
    .action(
      run(async (options) =>
        (await import('./commands/cost.ts')).costEstimateCommand({ ...globals(), ...options }, output),
      ),
    );

  program
    .command('doctor')
    .description('check configuration, dependencies and the model provider')
    .option('--json', 'print the report as JSON')
    .action(
      run(async (options) =>
        (await import('./commands/doctor.ts')).doctorCommand({ ...globals(), ...options }, output),
      ),
    );

  const evaluate = program.command('eval').description('measure quality');
  evaluate
    .command('retrieval')
    .description('nDCG@10, Recall@100 and MRR@10 on a BEIR-format dataset')
    .requiredOption('--dataset <dir>', 'folder with corpus.jsonl, queries.jsonl and qrels/')
    .option('--split <split>', 'qrels split', 'test')
    .option('--limit <n>', 'evaluate only the first n queries')
    .option('--json', 'print one JSON object of metrics')
    .action(
      run(async (options) =>
        (await import('./commands/eval.ts')).evalRetrievalCommand({ ...globals(), ...options }, output),
      ),
    );
  registerAnswerEvaluation(evaluate, output, run, globals);

  // migrate, export and import: one engine, the same transfer options.
  const env = process.env;
  const transferOptions = (command: Command) =>
    command
      .option('--resume', 'continue from the last checkpoint of the same migration')
      .option(
        '--verify',
        'compare the target with the source afterwards (ids, checksums, metadata, retrieval)',
      )
      .option('--dry-run', 'print the plan, the counts and the cost of re-embedding; write nothing')
      .option('--reembed <model>', 'embed the texts again with provider:model-id')
      .option('--batch-size <n>', 'records per batch (default 500)')
      .option('--concurrency <n>', 'embedding calls in flight when re-embedding (default 4)')
      .option('--report <prefix>', 'write the report to PREFIX.md and PREFIX.json')
      .option('--json', 'print the report as one JSON document');
  transferOptions(
    program
      .command('migrate <source> <target>')
      .description('move knowledge or conversations between Chroma, PostgreSQL, dumps and Godwit')
      .option('--map <file>', 'YAML column mapping for a PostgreSQL conversation source')
      .option(
        '--template <text>',
        'document text for each row of a ?query= source, with {{column}} (or @file)',
      )
      .option('--id-column <name>', 'column naming each row of a ?query= source (default id)')
      .option('--source-prefix <text>', 'prefix for the document source of each row')
      .option('--embedding-model <model>', 'provider:model-id that made the source vectors (Chroma)')
      .option('--golden <file>', 'JSONL {"query","relevant":[ids]} for recall after re-embedding')
      .option('--tenant <id>', 'Godwit tenant to write into (default "default")'),
  ).action(
    run(async (source: string, target: string, options: MigrateCommandOptions) =>
      (await import('./commands/migrate.ts')).migrateCommand(
        source,
        target,
        { ...globals(), ...options, env },
        output,
      ),
    ),
  );
  transferOptions(
    program
      .command('export <kb>')
      .description('write a knowledge base to a dump folder (manifest.json + JSON Lines)')
      .requiredOption('--out <dir>', 'dump folder (created; must be empty)'),
  ).action(
    run(async (knowledgeBase: string, options: TransferOptions & { out: string }) =>
      (await import('./commands/export.ts')).exportCommand(
        knowledgeBase,
        { ...globals(), ...options, env },
        output,
      ),
    ),
  );
  transferOptions(
    program
      .command('import <dir>')
      .description('load a dump folder into a knowledge base (or conversations into the conversation store)')
      .option('--kb <name>', 'target knowledge base (created when missing)'),
  ).action(
    run(async (directory: string, options: TransferOptions & { kb?: string }) =>
      (await import('./commands/import.ts')).importCommand(
        directory,
        { ...globals(), ...options, env },
        output,
      ),
    ),
  );

  program
    .command('deploy [action]')
    .description(
      'deploy to AWS with the CDK app in infra/: synth (no account needed), diff, or deploy (default)',
    )
    .option('--out <dir>', 'where synth writes the CloudFormation templates and Lambda bundles')
    .option(
      '--settings <file>',
      'deploy settings: YAML, or a Terraform .tfvars file (default: ./godwit.deploy.yaml when present)',
    )
    .option('--for <target>', 'synth for cdk (default) or terraform (infra/terraform/, no cdk bootstrap)')
    .option('--require-approval <level>', 'never, any-change or broadening (cdk deploy)', 'broadening')
    .action(
      run(async (action: string | undefined, options) =>
        (await import('./commands/deploy.ts')).deployCommand(action ?? 'deploy', options, output),
      ),
    );

  return program;
}
