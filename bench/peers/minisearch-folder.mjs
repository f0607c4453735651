// The whole-process peer of `godwit ingest FOLDER` (bench/ingest-command.ts): reads every file of a folder,
// indexes each with MiniSearch's default options (its text stored, for citations), and saves the index to a
// file, as a user would for a local knowledge base. Prints `{"files": N, "chunks": N}` (one entry per file).
//
//   node bench/peers/minisearch-folder.mjs FOLDER INDEX_FILE
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import MiniSearch from 'minisearch';

const [folder, indexFile] = process.argv.slice(2);
if (!folder || !indexFile) {
  process.stderr.write('usage: node bench/peers/minisearch-folder.mjs FOLDER INDEX_FILE\n');
  process.exit(2);
}
const search = new MiniSearch({ fields: ['text'], storeFields: ['source', 'text'] });
let files = 0;
for (const name of readdirSync(folder).sort()) {
  search.add({ id: files, source: name, text: readFileSync(join(folder, name), 'utf8') });
  files++;
}
writeFileSync(indexFile, JSON.stringify(search));
process.stdout.write(`${JSON.stringify({ files, chunks: files })}\n`);
