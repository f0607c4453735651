/** What a Bedrock guardrail assessment blocked, in words a user can read: one entry per policy hit. */

/**
 * @example describeAssessment({ topicPolicy: { topics: [{ name: 'Investment advice' }] } }) // ['denied topic "Investment advice"']
 */
export function describeAssessment(guardrailAssessment: object): string[] {
  const assessment = guardrailAssessment as Record<string, unknown>;
  const found: string[] = [];
  const topics = (assessment.topicPolicy as { topics?: Array<{ name?: string }> } | undefined)?.topics ?? [];
  for (const topic of topics) found.push(`denied topic "${topic.name}"`);
  const filters =
    (assessment.contentPolicy as { filters?: Array<{ type?: string }> } | undefined)?.filters ?? [];
  for (const filter of filters) found.push(`content filter ${filter.type}`);
  const words = assessment.wordPolicy as
    | { customWords?: Array<{ match?: string }>; managedWordLists?: Array<{ type?: string }> }
    | undefined;
  for (const word of words?.customWords ?? []) found.push(`blocked word "${word.match}"`);
  for (const list of words?.managedWordLists ?? []) found.push(`managed word list ${list.type}`);
  const sensitive = assessment.sensitiveInformationPolicy as
    | { piiEntities?: Array<{ type?: string }>; regexes?: Array<{ name?: string }> }
    | undefined;
  for (const entity of sensitive?.piiEntities ?? []) found.push(`sensitive information ${entity.type}`);
  for (const regex of sensitive?.regexes ?? []) found.push(`sensitive information pattern ${regex.name}`);
  const grounding =
    (assessment.contextualGroundingPolicy as { filters?: Array<{ type?: string }> } | undefined)?.filters ??
    [];
  for (const filter of grounding) found.push(`contextual grounding ${filter.type}`);
  return found;
}
