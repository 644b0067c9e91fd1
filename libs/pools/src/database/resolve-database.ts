import { EmbeddedPostgres, openEmbeddedPostgres } from './embedded-postgres';

/** Where the database comes from: an explicit URL, or the embedded default. */
export interface DatabaseLocation {
  /** `postgres://…`; when unset the embedded PGlite database is used. */
  databaseUrl?: string;
  /** Folder of the embedded database (default `./.data/pglite`). */
  embeddedDbDir?: string;
}

/** A usable database: its URL and, when embedded, the handle to release. */
export interface ResolvedDatabase {
  url: string;
  embedded: EmbeddedPostgres | null;
  close(): Promise<void>;
}

export const DEFAULT_EMBEDDED_DB_DIR = './.data/pglite';

/**
 * Returns `databaseUrl` as is, or serves/joins the embedded database (migrated to head) when it
 * is unset. Callers must `close()` the result after their data source is destroyed.
 */
export async function resolveDatabase(location: DatabaseLocation): Promise<ResolvedDatabase> {
  if (location.databaseUrl)
    return { url: location.databaseUrl, embedded: null, close: () => Promise.resolve() };
  const embedded = await openEmbeddedPostgres({ dataDir: location.embeddedDbDir ?? DEFAULT_EMBEDDED_DB_DIR });
  return { url: embedded.url, embedded, close: () => embedded.close() };
}
