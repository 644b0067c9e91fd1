import { randomBytes } from 'node:crypto';
import { botUserIdFromToken, makeBotToken, maskToken } from './discord-tokens';

describe(makeBotToken.name, () => {
  it('makes a three-part token whose first part is the base64 bot user id', () => {
    const sut = makeBotToken('1300000000000000001', randomBytes(32));

    expect(sut.split('.')).toHaveLength(3);
    expect(Buffer.from(sut.split('.')[0], 'base64').toString('utf8')).toBe('1300000000000000001');
    expect(botUserIdFromToken(sut)).toBe('1300000000000000001');
  });

  it('returns null for a token that does not start with a user id, and masks tokens', () => {
    expect(botUserIdFromToken('not-a-token')).toBeNull();
    expect(maskToken('abcdefghijkl')).toBe('abcd…');
  });
});
