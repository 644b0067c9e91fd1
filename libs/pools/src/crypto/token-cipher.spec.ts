import { randomBytes } from 'node:crypto';
import { PoolsException, PoolsExceptionCode } from '../pools.exception';
import { TokenCipher } from './token-cipher';

const key = () => randomBytes(32).toString('base64');
const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GxYzAb.abcdefghijklmnopqrstuvwxyz0123456789AB';

describe(TokenCipher.name, () => {
  const k1 = key();
  const k2 = key();

  it('round-trips a token and never stores the plaintext', () => {
    const sut = TokenCipher.fromKeyList(`k1:${k1}`);
    const sealed = sut.encrypt('agent1', TOKEN);
    expect(sealed.keyId).toBe('k1');
    expect(sealed.ciphertext.includes(Buffer.from(TOKEN))).toBe(false);
    expect(sealed.ciphertext.length).toBe(12 + 16 + Buffer.byteLength(TOKEN));
    expect(sut.decrypt('agent1', sealed)).toBe(TOKEN);
  });

  it('uses a fresh IV for every encryption', () => {
    const sut = TokenCipher.fromKeyList(`k1:${k1}`);
    const a = sut.encrypt('agent1', TOKEN).ciphertext;
    const b = sut.encrypt('agent1', TOKEN).ciphertext;
    expect(a.subarray(0, 12).equals(b.subarray(0, 12))).toBe(false);
  });

  it('rejects a tampered ciphertext', () => {
    const sut = TokenCipher.fromKeyList(`k1:${k1}`);
    const sealed = sut.encrypt('agent1', TOKEN);
    const tampered = Buffer.from(sealed.ciphertext);
    tampered[tampered.length - 1] ^= 0x01;
    expect(() => sut.decrypt('agent1', { ...sealed, ciphertext: tampered })).toThrow(PoolsException);
    const badTag = Buffer.from(sealed.ciphertext);
    badTag[13] ^= 0x80;
    expect(() => sut.decrypt('agent1', { ...sealed, ciphertext: badTag })).toThrow(/failed authentication/);
  });

  it('rejects a ciphertext moved to another agent (AAD binds the agent id)', () => {
    const sut = TokenCipher.fromKeyList(`k1:${k1}`);
    const sealed = sut.encrypt('agent1', TOKEN);
    let caught: unknown;
    try {
      sut.decrypt('agent2', sealed);
    } catch (error) {
      caught = error;
    }
    expect((caught as PoolsException).code).toBe(PoolsExceptionCode.TokenUndecryptable);
  });

  it('refuses an unknown key id without leaking material', () => {
    const sealed = TokenCipher.fromKeyList(`old:${k1}`).encrypt('agent1', TOKEN);
    const sut = TokenCipher.fromKeyList(`new:${k2}`);
    let message = '';
    try {
      sut.decrypt('agent1', sealed);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('"old"');
    expect(message).toContain('TOKEN_ENCRYPTION_KEYS');
    expect(message).not.toContain(k1);
    expect(message).not.toContain(k2);
  });

  it('encrypts with the first key and decrypts with every listed key', () => {
    const old = TokenCipher.fromKeyList(`k1:${k1}`).encrypt('agent1', TOKEN);
    const sut = TokenCipher.fromKeyList(`k2:${k2}, k1:${k1}`);
    expect(sut.currentKeyId).toBe('k2');
    expect(sut.keyIds).toEqual(['k2', 'k1']);
    expect(sut.decrypt('agent1', old)).toBe(TOKEN);
    expect(sut.encrypt('agent1', TOKEN).keyId).toBe('k2');
  });

  it.each([
    ['unset', undefined, /is required/],
    ['empty', ' , ', /is required/],
    ['no separator', k1, /keyId:base64key/],
    ['bad key id', `bad id:${k1}`, /invalid key id/],
    ['duplicate id', `a:${k1},a:${k2}`, /repeats key id/],
    ['not base64', 'a:***notbase64***', /not valid base64/],
    ['short key', `a:${randomBytes(16).toString('base64')}`, /exactly 32 bytes/],
    ['long key', `a:${randomBytes(33).toString('base64')}`, /exactly 32 bytes/],
  ])('refuses malformed TOKEN_ENCRYPTION_KEYS (%s)', (_case, value, pattern) => {
    let caught: unknown;
    try {
      TokenCipher.fromKeyList(value);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PoolsException);
    expect((caught as PoolsException).code).toBe(PoolsExceptionCode.InvalidEncryptionKeys);
    expect((caught as PoolsException).message).toMatch(/^TOKEN_ENCRYPTION_KEYS /);
    expect((caught as PoolsException).message).toMatch(pattern);
    if (value) {
      for (const part of value.split(/[,:]/)) {
        if (part.trim().length >= 16) expect((caught as PoolsException).message).not.toContain(part.trim());
      }
    }
  });
});
