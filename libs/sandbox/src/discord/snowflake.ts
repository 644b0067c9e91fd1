import { DISCORD_EPOCH_MS } from './discord-sandbox.constants';

/**
 * Generates Discord snowflakes: 42 bits of ms since the Discord epoch (2015-01-01), 5 bits worker,
 * 5 bits process, 12 bits increment — Reference › Snowflakes › Snowflake ID Format Structure.
 * Ids are returned as decimal strings, as the API serialises them.
 */
export class SnowflakeGenerator {
  private increment = 0;

  constructor(
    private readonly workerId = 1,
    private readonly processId = 0,
    private readonly now: () => number = Date.now,
  ) {}

  /** Returns a new snowflake for the current time; ids are strictly increasing within one generator. */
  next(): string {
    const ms = BigInt(this.now()) - DISCORD_EPOCH_MS;
    const id =
      (ms << 22n) |
      (BigInt(this.workerId & 0x1f) << 17n) |
      (BigInt(this.processId & 0x1f) << 12n) |
      BigInt(this.increment++ & 0xfff);
    return id.toString();
  }
}

/** Unix time in ms encoded in a snowflake (Reference › Snowflakes: `(id >> 22) + 1420070400000`). */
export function snowflakeTimestamp(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH_MS);
}
