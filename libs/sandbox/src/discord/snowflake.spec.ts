import { SnowflakeGenerator, snowflakeTimestamp } from './snowflake';

describe(SnowflakeGenerator.name, () => {
  it('encodes the creation time since the Discord epoch in the top bits', () => {
    const now = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const sut = new SnowflakeGenerator(1, 0, () => now);

    const id = sut.next();

    expect(snowflakeTimestamp(id)).toBe(now);
  });

  it('decodes a documented snowflake (175928847299117063 → 2016-04-30T11:18:25.796Z)', () => {
    expect(new Date(snowflakeTimestamp('175928847299117063')).toISOString()).toBe('2016-04-30T11:18:25.796Z');
  });

  it('produces strictly increasing ids within the same millisecond', () => {
    const sut = new SnowflakeGenerator(1, 0, () => 1700000000000);

    const ids = Array.from({ length: 50 }, () => BigInt(sut.next()));

    ids.slice(1).forEach((id, i) => expect(id > ids[i]).toBe(true));
  });
});
