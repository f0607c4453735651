/**
 * The FAQ knowledge base as the prototype keeps it today: a Chroma collection `faqs` with one record per
 * FAQ section, embedded with OpenAI text-embedding-3-small (what LangChain's OpenAIEmbeddings sends), so
 * that `godwit migrate chroma://HOST:PORT/faqs godwit://faq` has a real collection to move.
 *
 *   npx tsx examples/scheduling-agent/chroma/build-faq-collection.ts [CHROMA_URL]   (default http://127.0.0.1:8000)
 *
 * Needs OPENAI_API_KEY (and OPENAI_BASE_URL for an OpenAI-compatible endpoint). Replaces the collection
 * when it exists, so every run leaves the same records.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FAQ_COLLECTION = 'faqs';
export const FAQ_EMBEDDING_MODEL = 'text-embedding-3-small';
const FAQ_DIRECTORY = join(import.meta.dirname, '..', 'faq');

export interface FaqRecord {
  /** `<page>#<section>`, e.g. `booking-policy.md#cancelling`: the source Godwit cites after the migration. */
  id: string;
  document: string;
  metadata: { page: string; title: string; section: string };
}

/** One record per `##` section of each page in faq/, the page's title and section heading kept with the text. */
export function faqRecords(directory = FAQ_DIRECTORY): FaqRecord[] {
  const records: FaqRecord[] = [];
  for (const page of readdirSync(directory)
    .filter((name) => name.endsWith('.md'))
    .sort()) {
    const text = readFileSync(join(directory, page), 'utf8');
    const title = /^# (.+)$/m.exec(text)?.[1]?.trim() ?? page;
    const sections = text.split(/^## /m);
    const intro = sections[0]!.replace(/^# .+$/m, '').trim();
    if (intro) {
      records.push({
        id: `${page}#overview`,
        document: `${title}\n\n${intro}`,
        metadata: { page, title, section: 'Overview' },
      });
    }
    for (const section of sections.slice(1)) {
      const [heading = '', ...body] = section.split('\n');
      const slug = heading
        .trim()
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '');
      records.push({
        id: `${page}#${slug}`,
        document: `${title}: ${heading.trim()}\n\n${body.join('\n').trim()}`,
        metadata: { page, title, section: heading.trim() },
      });
    }
  }
  return records;
}

async function request(url: string, init: RequestInit, what: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new Error(`${what}: cannot reach ${url} (${(error as Error).message}). Is the server running?`);
  }
  const text = await response.text();
  if (!response.ok) throw new Error(`${what}: ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

/** Embeds the texts as the prototype does: OpenAI's embeddings API, text-embedding-3-small. */
async function embed(texts: string[], env: NodeJS.ProcessEnv): Promise<number[][]> {
  const apiKey = env.OPENAI_API_KEY;
  if (!apiKey)
    throw new Error('OPENAI_API_KEY is not set: the FAQ is embedded with OpenAI text-embedding-3-small.');
  const baseURL = (env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1').replace(/\/+$/, '');
  const body = (await request(
    `${baseURL}/embeddings`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ model: FAQ_EMBEDDING_MODEL, input: texts }),
    },
    'Embedding the FAQ',
  )) as { data: Array<{ index: number; embedding: number[] }> };
  return [...body.data].sort((a, b) => a.index - b.index).map((item) => item.embedding);
}

/** Creates (or recreates) the `faqs` collection on the Chroma server at `chromaUrl` and fills it. */
export async function buildFaqCollection(
  chromaUrl: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<FaqRecord[]> {
  const collections = `${chromaUrl.replace(/\/+$/, '')}/api/v2/tenants/default_tenant/databases/default_database/collections`;
  const records = faqRecords();
  const embeddings = await embed(
    records.map((record) => record.document),
    env,
  );
  const existing = await fetch(`${collections}/${FAQ_COLLECTION}`).catch(() => undefined);
  if (existing?.ok) {
    await request(`${collections}/${FAQ_COLLECTION}`, { method: 'DELETE' }, 'Replacing the faqs collection');
  }
  const json = { 'content-type': 'application/json' };
  const created = (await request(
    collections,
    {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: FAQ_COLLECTION, metadata: { 'hnsw:space': 'cosine' } }),
    },
    'Creating the faqs collection',
  )) as { id: string };
  await request(
    `${collections}/${created.id}/add`,
    {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        ids: records.map((record) => record.id),
        documents: records.map((record) => record.document),
        metadatas: records.map((record) => record.metadata),
        embeddings,
      }),
    },
    'Adding the FAQ records',
  );
  return records;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const url = process.argv[2] ?? 'http://127.0.0.1:8000';
  try {
    const records = await buildFaqCollection(url);
    process.stdout.write(`Chroma collection ${FAQ_COLLECTION} on ${url}: ${records.length} FAQ records.\n`);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
