import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentsEnvSchema } from '@apps/agents';
import { controllerEnvSchema } from '@apps/controller';
import { dashboardEnvSchema } from '@apps/dashboard';
import { funhubEnvSchema } from '@apps/funhub';

/** Variable names `.env.example` documents, as `NAME=` or commented `# NAME=` lines. */
function documentedVariables(): Set<string> {
  const text = readFileSync(join(__dirname, '..', '..', '..', '.env.example'), 'utf8');
  return new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]));
}

describe('.env.example', () => {
  const documented = documentedVariables();

  it.each([
    ['controller', controllerEnvSchema],
    ['agent runner', agentsEnvSchema],
    ['dashboard', dashboardEnvSchema],
    ['funhub', funhubEnvSchema],
  ])('documents every variable the %s reads', (_app, schema) => {
    const missing = Object.keys(schema.shape).filter((name) => !documented.has(name));
    expect(missing).toEqual([]);
  });
});
