/** `node --import tsx infra/src/bundle-lambda-cli.ts api|ingest OUTDIR`: one Lambda bundle (used by CDK). */
import { bundleLambda, LAMBDA_ENTRIES, type LambdaName } from './lambda-bundle.ts';

const [name, outdir] = process.argv.slice(2);
if (!name || !(name in LAMBDA_ENTRIES) || !outdir) {
  process.stderr.write(`usage: bundle-lambda-cli.ts ${Object.keys(LAMBDA_ENTRIES).join('|')} OUTDIR\n`);
  process.exit(2);
}
const result = await bundleLambda(name as LambdaName, outdir);
process.stderr.write(`bundled ${name}: ${result.files} files, ${(result.totalBytes / 1e6).toFixed(2)} MB\n`);
