import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { funDataFileSchema, type FunVariant, funVariantSchema } from './fun-variant.schema';
import { FunhubErrorCode, FunhubException } from './funhub.exception';

/**
 * Reads and validates every `*.json` file of `dir` (SPEC §7: fun text variants as data files).
 * Each file is `{ category, variants: [...] }`; every entry must match `funVariantSchema`, carry
 * the file's category, and have an id unique across all files.
 * @returns the variants in file-name then entry order
 * @throws FunhubException `invalid-data` naming the file and the entry (index and id) at fault
 */
export function loadFunVariants(dir: string): FunVariant[] {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .sort();
  } catch (error) {
    throw invalid(`cannot read the data directory ${dir}: ${(error as Error).message}`);
  }
  if (files.length === 0) throw invalid(`no *.json data files in ${dir}`);
  const seen = new Map<string, string>();
  const variants: FunVariant[] = [];
  for (const name of files) {
    const path = join(dir, name);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw invalid(`${path}: not valid JSON (${(error as Error).message})`);
    }
    const file = funDataFileSchema.safeParse(raw);
    if (!file.success) throw invalid(`${path}: ${issues(file.error)}`);
    for (const [index, entry] of file.data.variants.entries()) {
      const id = describeId(entry);
      const where = `${path}: entry ${index}${id ? ` (id ${id})` : ''}`;
      const parsed = funVariantSchema.safeParse(entry);
      if (!parsed.success) throw invalid(`${where}: ${issues(parsed.error)}`);
      const variant = parsed.data;
      if (variant.category !== file.data.category) {
        throw invalid(
          `${where}: category "${variant.category}" differs from the file's "${file.data.category}"`,
        );
      }
      const previous = seen.get(variant.id);
      if (previous) throw invalid(`${where}: id ${variant.id} is already used in ${previous}`);
      seen.set(variant.id, path);
      variants.push(variant);
    }
  }
  return variants;
}

function describeId(entry: unknown): string | null {
  const id = (entry as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id.slice(0, 40) : null;
}

function issues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(entry)'}: ${issue.message}`)
    .join('; ');
}

function invalid(message: string): FunhubException {
  return new FunhubException(FunhubErrorCode.InvalidData, `Invalid FunHub data: ${message}`);
}
