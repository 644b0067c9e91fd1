import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { checkMigrationFiles, listMigrationFiles, migrationsFingerprint } from './migration-files';

const migration = (className: string) => `import { MigrationInterface, QueryRunner } from 'typeorm';
export class ${className} implements MigrationInterface {
  name = '${className}';
  public async up(_q: QueryRunner): Promise<void> {}
  public async down(_q: QueryRunner): Promise<void> {}
}
`;

describe(checkMigrationFiles.name, () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'migrations-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts well-formed, ordered migrations', () => {
    writeFileSync(path.join(dir, '1700000000000-First.ts'), migration('First1700000000000'));
    writeFileSync(path.join(dir, '1700000000001-Second.ts'), migration('Second1700000000001'));
    expect(checkMigrationFiles(dir)).toEqual([]);
    expect(listMigrationFiles(dir)).toEqual(['1700000000000-First.ts', '1700000000001-Second.ts']);
  });

  it('reports bad names, duplicate timestamps and mismatched class names', () => {
    writeFileSync(path.join(dir, '1700000000000-First.ts'), migration('First1700000000000'));
    writeFileSync(path.join(dir, '1700000000000-Again.ts'), migration('Again1700000000000'));
    writeFileSync(path.join(dir, '17000-short.ts'), migration('Short17000'));
    writeFileSync(path.join(dir, '1700000000005-Wrong.ts'), migration('Other1700000000005'));
    const problems = checkMigrationFiles(dir);
    expect(problems).toEqual(
      expect.arrayContaining([
        { file: '17000-short.ts', problem: expect.stringContaining('<13-digit timestamp>') },
        { file: '1700000000000-First.ts', problem: expect.stringContaining('greater than the previous') },
        {
          file: '1700000000005-Wrong.ts',
          problem: expect.stringContaining('export class Wrong1700000000005'),
        },
      ]),
    );
  });

  it('changes the fingerprint when a migration changes', () => {
    writeFileSync(path.join(dir, '1700000000000-First.ts'), migration('First1700000000000'));
    const before = migrationsFingerprint(dir);
    writeFileSync(path.join(dir, '1700000000000-First.ts'), `${migration('First1700000000000')}// changed\n`);
    expect(migrationsFingerprint(dir)).not.toBe(before);
  });
});
