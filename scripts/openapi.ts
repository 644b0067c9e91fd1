/**
 * OpenAPI document of the admin API (issue 8), generated from code:
 *
 * - `npm run openapi:generate` — runs the Nest Swagger CLI plugin over the admin API sources with
 *   `PluginMetadataGenerator` (SWC does not run TypeScript plugins, so the plugin's output is the
 *   committed `apps/controller/src/metadata.ts`), then builds the document and writes
 *   `openapi.json` at the repo root.
 * - `npm run openapi:check` — regenerates both in memory and exits 1 when either differs from
 *   the committed file (CI drift check; `admin-api/openapi.spec.ts` runs the same check in `npm test`).
 */
import 'reflect-metadata';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateAdminApiDocument,
  generateAdminApiPluginMetadata,
  formatOpenApiDocument,
} from '@apps/controller';

const ROOT = join(__dirname, '..');
const OPENAPI_FILE = join(ROOT, 'openapi.json');
const METADATA_FILE = join(ROOT, 'apps/controller/src/metadata.ts');

async function main(mode: string | undefined): Promise<number> {
  if (mode !== 'generate' && mode !== 'check') {
    process.stderr.write('usage: openapi.ts generate|check\n');
    return 2;
  }
  if (mode === 'generate') {
    writeFileSync(METADATA_FILE, await generateAdminApiPluginMetadata(ROOT));
    writeFileSync(OPENAPI_FILE, await formatOpenApiDocument(await generateAdminApiDocument()));
    process.stdout.write('wrote apps/controller/src/metadata.ts and openapi.json\n');
    return 0;
  }
  const problems: string[] = [];
  const metadata = await generateAdminApiPluginMetadata(ROOT);
  if (!existsSync(METADATA_FILE) || readFileSync(METADATA_FILE, 'utf8') !== metadata)
    problems.push('apps/controller/src/metadata.ts is out of date');
  const document = await formatOpenApiDocument(await generateAdminApiDocument());
  if (!existsSync(OPENAPI_FILE) || readFileSync(OPENAPI_FILE, 'utf8') !== document)
    problems.push('openapi.json is out of date');
  if (problems.length > 0) {
    const scratch = mkdtempSync(join(tmpdir(), 'openapi-'));
    writeFileSync(join(scratch, 'openapi.json'), document);
    process.stderr.write(
      `${problems.join('\n')}\nRun npm run openapi:generate and commit the result (expected document: ${scratch}/openapi.json).\n`,
    );
    return 1;
  }
  process.stdout.write('openapi.json and metadata.ts match the code\n');
  return 0;
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
