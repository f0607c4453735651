/**
 * `npm run example:askiam` step one: (re)creates the example's IAM tables in PostgreSQL. The database is
 * ASKIAM_DATABASE_URL without its search_path option (default postgres://postgres@127.0.0.1:5432/test);
 * the schema is the first entry of that search_path (default askiam).
 */
import { seedIamDatabase } from './iam-database.ts';

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/test?options=-c%20search_path%3Daskiam,public';
const url = new URL(process.env.ASKIAM_DATABASE_URL ?? DEFAULT_URL);
const searchPath = /search_path=([^\s,]+)/.exec(url.searchParams.get('options') ?? '')?.[1] ?? 'askiam';
url.searchParams.delete('options');
try {
  const counts = await seedIamDatabase({ url: url.href, schema: searchPath });
  process.stdout.write(
    `IAM database in schema ${searchPath}: ${counts.users} users, ${counts.applications} applications, ${counts.roles} roles, ${counts.entitlements} entitlements, ${counts.userRoles} role grants\n`,
  );
} catch (error) {
  process.stderr.write(
    `Could not seed the IAM database: ${error instanceof Error ? error.message : error}\n`,
  );
  process.exitCode = 1;
}
