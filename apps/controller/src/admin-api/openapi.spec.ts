import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateAdminApiDocument } from './admin-api.docs';
import { formatOpenApiDocument, generateAdminApiPluginMetadata } from './openapi.generator';

const ROOT = join(__dirname, '..', '..', '..', '..');

/** CI drift check of the committed OpenAPI artefacts (same as `npm run openapi:check`). */
describe('admin API OpenAPI document', () => {
  it('openapi.json equals the document generated from the code (run npm run openapi:generate)', async () => {
    const generated = await formatOpenApiDocument(await generateAdminApiDocument());
    expect(generated).toEqual(readFileSync(join(ROOT, 'openapi.json'), 'utf8'));
  }, 60_000);

  it('apps/controller/src/metadata.ts equals the Swagger plugin output for the current DTOs and controllers', async () => {
    const generated = await generateAdminApiPluginMetadata(ROOT);
    expect(generated).toEqual(readFileSync(join(ROOT, 'apps/controller/src/metadata.ts'), 'utf8'));
  }, 120_000);
});
