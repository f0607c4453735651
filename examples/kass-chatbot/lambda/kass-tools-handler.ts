/**
 * The KASS tools Lambda (the seed's summarize_tool, report_tool and code_review_tool, as one action group),
 * written for Bedrock Agents: it reads the event's apiPath, httpMethod and requestBody and answers in the
 * action-group response shape. Godwit invokes it unchanged (tools.lambda.kass in godwit.yaml). It needs no
 * model: summaries are extractive, reports are assembled from the findings the assistant passes, reviews are
 * rule checks.
 */
// In a function of your own: import { … } from 'godwit/lambda/action-group';
import { ActionError, createActionGroupHandler } from '../../../src/lambda/action-group.ts';

export type { ActionGroupEvent } from '../../../src/lambda/action-group.ts';

export interface ReviewFinding {
  line: number;
  rule: string;
  message: string;
}

const STOP_WORDS = new Set(
  'a an and are as at be by for from has have in is it its of on or that the this to was were will with'.split(
    ' ',
  ),
);

/** The `maxSentences` sentences of `text` whose words are most frequent in it, in their original order. */
export function summarize(text: string, maxSentences = 3): { summary: string; sentences: number } {
  const sentences = text
    .replace(/^#+\s.*$/gm, '')
    .split(/(?<=[.!?])\s+|\n{2,}/)
    .map((sentence) => sentence.replace(/\s+/g, ' ').trim())
    .filter((sentence) => sentence.split(' ').length >= 4);
  if (sentences.length === 0) throw new ActionError(400, 'text has no sentences to summarize.');
  const words = (sentence: string) =>
    (sentence.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((word) => !STOP_WORDS.has(word));
  const frequency = new Map<string, number>();
  for (const word of sentences.flatMap(words)) frequency.set(word, (frequency.get(word) ?? 0) + 1);
  const score = (sentence: string) => {
    const list = words(sentence);
    return list.reduce((sum, word) => sum + (frequency.get(word) ?? 0), 0) / Math.max(list.length, 1);
  };
  const chosen = sentences
    .map((sentence, index) => ({ sentence, index, score: score(sentence) }))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, maxSentences)
    .sort((a, b) => a.index - b.index);
  return { summary: chosen.map((entry) => entry.sentence).join(' '), sentences: chosen.length };
}

/** A Markdown report: the title, then the findings as numbered points, citations kept. */
export function generateReport(title: string, findings: string[]): { markdown: string } {
  if (!title.trim()) throw new ActionError(400, 'title is empty.');
  const points = findings.map((finding) => finding.trim()).filter(Boolean);
  if (points.length === 0) throw new ActionError(400, 'findings has no finding; pass at least one.');
  const lines = [
    `# ${title.trim()}`,
    '',
    '## Findings',
    '',
    ...points.map((point, i) => `${i + 1}. ${point}`),
  ];
  return { markdown: lines.join('\n') };
}

const RULES: Array<{ rule: string; test: RegExp; message: string }> = [
  {
    rule: 'debug-output',
    test: /\bconsole\.log\(|^\s*print\(/,
    message: 'debugging output left in the code',
  },
  {
    rule: 'hard-coded-secret',
    test: /\b(password|passwd|secret|api_?key|token)\s*[:=]\s*['"][^'"]{4,}['"]/i,
    message: 'a secret written in the code; read it from the environment or Secrets Manager',
  },
  { rule: 'eval', test: /\beval\(/, message: 'eval runs arbitrary code' },
  {
    rule: 'bare-except',
    test: /^\s*except\s*:/,
    message: 'a bare except hides every error; name the exception',
  },
  { rule: 'todo', test: /\b(TODO|FIXME)\b/, message: 'unfinished work marked in the code' },
];

/** Rule checks over `code`, one finding per rule and line. */
export function reviewCode(code: string): { findings: ReviewFinding[]; summary: string } {
  if (!code.trim()) throw new ActionError(400, 'code is empty.');
  const findings: ReviewFinding[] = [];
  code.split('\n').forEach((text, index) => {
    for (const { rule, test, message } of RULES) {
      if (test.test(text)) findings.push({ line: index + 1, rule, message });
    }
    if (text.length > 120)
      findings.push({ line: index + 1, rule: 'long-line', message: 'longer than 120 characters' });
  });
  const summary =
    findings.length === 0 ? 'No findings.' : `${findings.length} finding${findings.length === 1 ? '' : 's'}.`;
  return { findings, summary };
}

function readArray(value: string | undefined): string[] {
  if (value === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    if (Array.isArray(parsed)) return parsed.map(String);
  } catch {
    // a single finding sent as plain text
  }
  return [value];
}

/** The function's entry point, as the Lambda Node.js runtime calls it. */
export const handler = createActionGroupHandler({
  'POST /summarize': ({ properties }) => {
    const max = properties.maxSentences === undefined ? 3 : Number(properties.maxSentences);
    if (!Number.isInteger(max) || max < 1 || max > 10) {
      throw new ActionError(
        400,
        `maxSentences "${properties.maxSentences}" is not a whole number from 1 to 10.`,
      );
    }
    return summarize(properties.text ?? '', max);
  },
  'POST /reports': ({ properties }) => generateReport(properties.title ?? '', readArray(properties.findings)),
  'POST /code-reviews': ({ properties }) => reviewCode(properties.code ?? ''),
});
