/**
 * What each Bedrock model family accepts in Converse, from AWS's "Supported models and model features"
 * table (https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-supported-models-features.html,
 * read December 2026): system prompts, tool use, tool use while streaming (ConverseStream), document
 * blocks ("document chat") and image blocks ("vision"). Requests are built from it: no system block where
 * there is none, no tools for a model that cannot call them, Converse instead of ConverseStream for a model
 * that calls tools only without streaming, and no document or image block where the model refuses one.
 *
 * Families are matched by model id prefix after any cross-region prefix (`us.`, `eu.`, `apac.`, `global.`);
 * the first match wins, so narrower prefixes come first. A model in no family (a newer one) is assumed to
 * accept everything: Bedrock then answers for itself.
 */

export interface ConverseCapabilities {
  /** The family as AWS's table names it, for error messages. */
  family: string;
  systemPrompt: boolean;
  toolUse: boolean;
  /** Tool use in ConverseStream; false where tool use works only in Converse. */
  streamingToolUse: boolean;
  documents: boolean;
  images: boolean;
}

type Row = [
  prefix: string,
  family: string,
  system: boolean,
  tools: boolean,
  streamingTools: boolean,
  documents: boolean,
  images: boolean,
];

// prefix, family, system prompts, tool use, streaming tool use, document chat, vision
const ROWS: Row[] = [
  ['ai21.jamba-instruct', 'AI21 Jamba-Instruct', true, false, false, false, false],
  ['ai21.jamba-1-5', 'AI21 Labs Jamba 1.5', true, true, true, true, false],
  ['ai21.j2-', 'AI21 Labs Jurassic-2', false, false, false, false, false],
  ['amazon.nova-micro', 'Amazon Nova Micro', true, true, true, false, false],
  ['amazon.nova-', 'Amazon Nova', true, true, true, true, true],
  ['amazon.titan-text-premier', 'Amazon Titan Text Premier', false, false, false, false, false],
  ['amazon.titan-text-', 'Amazon Titan', false, false, false, true, false],
  ['amazon.titan-tg1-', 'Amazon Titan', false, false, false, true, false],
  ['anthropic.claude-v2', 'Anthropic Claude 2.x and earlier', true, false, false, true, false],
  ['anthropic.claude-instant', 'Anthropic Claude 2.x and earlier', true, false, false, true, false],
  ['anthropic.claude-3-5-haiku', 'Anthropic Claude 3.5 Haiku', true, true, true, true, false],
  ['anthropic.claude-', 'Anthropic Claude 3 and later', true, true, true, true, true],
  ['cohere.command-r', 'Cohere Command R and R+', true, true, false, true, false],
  ['cohere.command-light-text', 'Cohere Command Light', false, false, false, true, false],
  ['cohere.command-text', 'Cohere Command', false, false, false, true, false],
  ['deepseek.', 'DeepSeek-R1', true, false, false, true, false],
  ['meta.llama2', 'Meta Llama 2', true, false, false, true, false],
  ['meta.llama3-1', 'Meta Llama 3.1', true, true, false, true, false],
  ['meta.llama3-2-1b', 'Meta Llama 3.2 1B and 3B', true, false, false, true, false],
  ['meta.llama3-2-3b', 'Meta Llama 3.2 1B and 3B', true, false, false, true, false],
  ['meta.llama3-2-', 'Meta Llama 3.2 11B and 90B', true, true, false, true, true],
  ['meta.llama3-3', 'Meta Llama 3.3', true, true, false, true, false],
  ['meta.llama4-', 'Meta Llama 4', true, true, false, true, true],
  ['meta.llama3-', 'Meta Llama 3', true, false, false, true, false],
  ['mistral.mistral-7b-instruct', 'Mistral AI Instruct', false, false, false, true, false],
  ['mistral.mixtral-8x7b-instruct', 'Mistral AI Instruct', false, false, false, true, false],
  ['mistral.mistral-large', 'Mistral Large', true, true, false, true, false],
  ['mistral.mistral-small', 'Mistral Small', true, true, false, true, false],
  ['mistral.pixtral-large', 'Pixtral Large', true, true, false, true, true],
];

const TABLE: Array<{ prefix: string } & ConverseCapabilities> = ROWS.map(
  ([prefix, family, systemPrompt, toolUse, streamingToolUse, documents, images]) => ({
    prefix,
    family,
    systemPrompt,
    toolUse,
    streamingToolUse,
    documents,
    images,
  }),
);

const UNKNOWN: Omit<ConverseCapabilities, 'family'> = {
  systemPrompt: true,
  toolUse: true,
  streamingToolUse: true,
  documents: true,
  images: true,
};

/** The model id without a cross-region inference profile prefix. */
export function baseModelId(modelId: string): string {
  return modelId.replace(/^(us|eu|apac|us-gov|global)\./, '');
}

/**
 * @example converseCapabilities('us.meta.llama3-1-70b-instruct-v1:0') // { family: 'Meta Llama 3.1', toolUse: true, streamingToolUse: false, … }
 */
export function converseCapabilities(modelId: string): ConverseCapabilities {
  const id = baseModelId(modelId);
  const row = TABLE.find((entry) => id.startsWith(entry.prefix));
  if (!row) return { family: id, ...UNKNOWN };
  const { prefix: _prefix, ...capabilities } = row;
  return capabilities;
}

/** Every family of the table, in order, for documentation and tests. */
export function converseCapabilityTable(): ReadonlyArray<{ prefix: string } & ConverseCapabilities> {
  return TABLE;
}

/**
 * Why `bedrock:<modelId>` cannot serve an assistant with tools, with the fix; null when it can.
 *
 * @example bedrockToolUseProblem('amazon.titan-text-express-v1', 'support') // 'Assistant "support" uses …'
 */
export function bedrockToolUseProblem(modelId: string, assistant?: string): string | null {
  const capabilities = converseCapabilities(modelId);
  if (capabilities.toolUse) return null;
  const subject = assistant ? `Assistant "${assistant}" uses bedrock:${modelId}` : `bedrock:${modelId}`;
  const fix = assistant
    ? `Set assistants.${assistant}.model to a Bedrock model with tool use, such as bedrock:anthropic.claude-3-5-haiku-20241022-v1:0 or bedrock:amazon.nova-lite-v1:0, or remove its tools.`
    : 'Choose a Bedrock model with tool use, such as bedrock:anthropic.claude-3-5-haiku-20241022-v1:0 or bedrock:amazon.nova-lite-v1:0.';
  return `${subject}, but ${capabilities.family} models cannot call tools in Bedrock Converse. ${fix}`;
}
