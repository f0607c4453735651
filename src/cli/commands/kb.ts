import { openBackend } from '../backend.ts';
import { type GlobalOptions, readConfig } from '../context.ts';
import type { Output } from '../output.ts';

/** `godwit kb list`: knowledge bases with their document and chunk counts. */
export async function kbListCommand(
  options: GlobalOptions & { json?: boolean },
  output: Output,
): Promise<number> {
  const backend = await openBackend({
    config: readConfig(options),
    command: 'kb list',
    output,
    sample: false,
  });
  try {
    const bases = await backend.listKnowledgeBases();
    if (options.json) output.json({ knowledgeBases: bases });
    else if (bases.length === 0)
      output.line('No knowledge bases yet. Create one with: godwit ingest ./docs --kb NAME');
    else {
      for (const kb of bases) {
        const failed = kb.failed > 0 ? `, ${kb.failed} failed` : '';
        output.line(
          `${kb.name}: ${kb.documents} documents, ${kb.chunks} chunks${failed}; ${kb.embeddingModel ?? 'keyword search'}`,
        );
      }
    }
    return 0;
  } finally {
    await backend.close();
  }
}

/** `godwit kb delete NAME`: removes the knowledge base, its documents, chunks and original files. */
export async function kbDeleteCommand(name: string, options: GlobalOptions, output: Output): Promise<number> {
  const backend = await openBackend({
    config: readConfig(options),
    command: 'kb delete',
    output,
    sample: false,
  });
  try {
    await backend.deleteKnowledgeBase(name);
    output.line(`Deleted knowledge base "${name}".`);
    return 0;
  } finally {
    await backend.close();
  }
}
