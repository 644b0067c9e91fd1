import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { PoolsException, PoolsExceptionCode } from '../pools.exception';

/** Sealed token as stored in `agent_bots`: `iv(12) ‖ tag(16) ‖ ciphertext` and the key id. */
export interface SealedToken {
  ciphertext: Buffer;
  keyId: string;
}

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const BASE64_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/;
const ENV_NAME = 'TOKEN_ENCRYPTION_KEYS';

/**
 * Encrypts agent bot tokens with AES-256-GCM (NIST SP 800-38D): a random 96-bit IV per
 * encryption, a 128-bit authentication tag, and the agent id as additional authenticated data, so
 * a ciphertext copied onto another agent's row fails to decrypt. Keys come from
 * `TOKEN_ENCRYPTION_KEYS` (`keyId:base64key,…`, each key exactly 32 bytes); the first key
 * encrypts, every listed key decrypts. There is no plaintext fallback.
 */
export class TokenCipher {
  private readonly keys: ReadonlyMap<string, Buffer>;
  /** Id of the key new ciphertexts are sealed with (the first listed). */
  readonly currentKeyId: string;

  private constructor(keys: Map<string, Buffer>, currentKeyId: string) {
    this.keys = keys;
    this.currentKeyId = currentKeyId;
  }

  /**
   * Parses the ordered key list.
   * @param keyList `keyId:base64key[,keyId:base64key…]`
   * @throws PoolsException INVALID_ENCRYPTION_KEYS naming TOKEN_ENCRYPTION_KEYS and the entry
   *   position; never the key material.
   */
  static fromKeyList(keyList: string | undefined): TokenCipher {
    const entries = (keyList ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0);
    if (entries.length === 0) {
      throw invalidKeys(
        'is required: give at least one keyId:base64key entry (32-byte key); tokens are never stored unencrypted',
      );
    }
    const keys = new Map<string, Buffer>();
    entries.forEach((entry, index) => {
      const position = `entry ${index + 1}`;
      const separator = entry.indexOf(':');
      if (separator <= 0) throw invalidKeys(`${position} must look like keyId:base64key`);
      const keyId = entry.slice(0, separator);
      const encoded = entry.slice(separator + 1);
      if (!KEY_ID_PATTERN.test(keyId))
        throw invalidKeys(`${position} has an invalid key id (1–64 of A-Z a-z 0-9 _ . -)`);
      if (keys.has(keyId)) throw invalidKeys(`${position} repeats key id "${keyId}"`);
      if (!BASE64_PATTERN.test(encoded))
        throw invalidKeys(`${position} (key id "${keyId}") is not valid base64`);
      const key = Buffer.from(encoded, 'base64');
      if (key.length !== KEY_BYTES) {
        throw invalidKeys(`${position} (key id "${keyId}") must decode to exactly ${KEY_BYTES} bytes`);
      }
      keys.set(keyId, key);
    });
    return new TokenCipher(keys, entries[0].slice(0, entries[0].indexOf(':')));
  }

  /** Key ids this cipher can decrypt, newest first. */
  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /** Seals `plaintext` for `agentId` under the current key. */
  encrypt(agentId: string, plaintext: string): SealedToken {
    const key = this.keys.get(this.currentKeyId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(agentId, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]), keyId: this.currentKeyId };
  }

  /**
   * Opens a sealed token of `agentId`.
   * @throws PoolsException TOKEN_UNDECRYPTABLE when the key id is unknown, the data was altered,
   *   or it belongs to another agent. The message never includes key or token material.
   */
  decrypt(agentId: string, sealed: SealedToken): string {
    const key = this.keys.get(sealed.keyId);
    if (!key) {
      throw new PoolsException(
        PoolsExceptionCode.TokenUndecryptable,
        `The token of ${agentId} is sealed with key "${sealed.keyId}", which is not configured in ${ENV_NAME}.`,
      );
    }
    if (sealed.ciphertext.length <= IV_BYTES + TAG_BYTES) {
      throw new PoolsException(
        PoolsExceptionCode.TokenUndecryptable,
        `The stored token of ${agentId} is malformed.`,
      );
    }
    try {
      const iv = sealed.ciphertext.subarray(0, IV_BYTES);
      const tag = sealed.ciphertext.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
      const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(agentId, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([
        decipher.update(sealed.ciphertext.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new PoolsException(
        PoolsExceptionCode.TokenUndecryptable,
        `The stored token of ${agentId} failed authentication (altered, or sealed for another agent).`,
      );
    }
  }
}

function invalidKeys(detail: string): PoolsException {
  return new PoolsException(PoolsExceptionCode.InvalidEncryptionKeys, `${ENV_NAME} ${detail}.`);
}
