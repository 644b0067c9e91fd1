import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { MIGRATIONS_DIR } from './data-source';

/** `<13-digit timestamp>-<PascalName>.ts` (or `.js` in a build). */
export const MIGRATION_FILE_PATTERN = /^(\d{13})-([A-Z][A-Za-z0-9]*)\.(ts|js)$/;

/** One problem with the migration files. */
export interface MigrationFileProblem {
  file: string;
  problem: string;
}

/** Migration source files in name order (ignores source maps and declaration files). */
export function listMigrationFiles(dir = MIGRATIONS_DIR): string[] {
  return readdirSync(dir)
    .filter((name) => /\.(ts|js)$/.test(name) && !name.endsWith('.d.ts'))
    .sort();
}

/**
 * Checks names (`<timestamp>-<PascalName>`), strictly increasing timestamps and that each file
 * declares `class <PascalName><timestamp>` with a matching `name` property.
 */
export function checkMigrationFiles(dir = MIGRATIONS_DIR): MigrationFileProblem[] {
  const problems: MigrationFileProblem[] = [];
  let previous = -1;
  for (const file of listMigrationFiles(dir)) {
    const match = MIGRATION_FILE_PATTERN.exec(file);
    if (!match) {
      problems.push({ file, problem: 'name must be <13-digit timestamp>-<PascalName>.ts' });
      continue;
    }
    const timestamp = Number(match[1]);
    const className = `${match[2]}${match[1]}`;
    if (timestamp <= previous)
      problems.push({ file, problem: 'timestamp must be greater than the previous migration' });
    previous = timestamp;
    const source = readFileSync(path.join(dir, file), 'utf8');
    if (!new RegExp(`export class ${className} implements MigrationInterface`).test(source)) {
      problems.push({ file, problem: `must export class ${className} implements MigrationInterface` });
    }
    if (!source.includes(`name = '${className}'`))
      problems.push({ file, problem: `must set name = '${className}'` });
  }
  return problems;
}

/** SHA-256 over the names and contents of every migration file (changes when any migration does). */
export function migrationsFingerprint(dir = MIGRATIONS_DIR): string {
  const hash = createHash('sha256');
  for (const file of listMigrationFiles(dir)) {
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(path.join(dir, file)))
      .update('\0');
  }
  return hash.digest('hex');
}
