import { ReconnectBackoff } from './reconnect-backoff';

describe(ReconnectBackoff.name, () => {
  it('doubles per failure within [d/2, d], caps at maxMs, and resets', () => {
    const low = new ReconnectBackoff({ baseMs: 100, maxMs: 30_000, random: () => 0 });
    const high = new ReconnectBackoff({ baseMs: 100, maxMs: 30_000, random: () => 0.999999 });
    const lows = Array.from({ length: 12 }, () => low.next());
    const highs = Array.from({ length: 12 }, () => high.next());
    expect(lows.slice(0, 4)).toEqual([50, 100, 200, 400]);
    expect(highs.slice(0, 4)).toEqual([100, 200, 400, 800]);
    expect(Math.max(...highs)).toBe(30_000);
    expect(lows.at(-1)).toBe(15_000);
    low.reset();
    expect(low.attempts).toBe(0);
    expect(low.next()).toBe(50);
  });

  it('waits the ceiling after a fatal refusal', () => {
    const sut = new ReconnectBackoff({ baseMs: 100, maxMs: 30_000, random: () => 0 });
    expect(sut.nextFatal()).toBe(15_000);
    expect(sut.attempts).toBe(1);
  });
});
