import { hashSecret, verifySecretHash } from '@app/access';

/** A configured API key, stored only as its hash. */
interface StoredKey {
  hash: string;
  /** Short non-secret id (first 12 hex of the hash) used for rate-limit buckets. */
  id: string;
}

/**
 * The FunHub's accepted API keys (`FUNHUB_API_KEYS`): plaintext entries are hashed at once, so
 * only `sha256:<hex>` hashes stay in memory; verification is constant-time per key
 * (`verifySecretHash` of `@app/access`). There is no fallback: with no keys configured every
 * key is refused.
 */
export class ApiKeyRing {
  private readonly keys: StoredKey[];

  /** @param entries keys or `sha256:<hex>` hashes, as validated by the FunHub config */
  constructor(entries: readonly string[]) {
    this.keys = entries.map((entry) => {
      const hash = entry.startsWith('sha256:') ? entry : hashSecret(entry);
      return { hash, id: hash.slice('sha256:'.length, 'sha256:'.length + 12) };
    });
  }

  /** Number of configured keys. */
  get size(): number {
    return this.keys.length;
  }

  /**
   * Checks a presented key against every configured hash (all are compared, so timing does not
   * reveal which one matched). @returns the key's non-secret id, or null when it is not accepted
   */
  verify(presented: string): string | null {
    let match: string | null = null;
    for (const key of this.keys) {
      if (verifySecretHash(presented, key.hash) && match === null) match = key.id;
    }
    return match;
  }
}
