import { FrameRateLimiter } from '@app/protocol';

describe(FrameRateLimiter.name, () => {
  it('P6: allows the burst, drops the excess and counts the drops', () => {
    const sut = new FrameRateLimiter(10, 5, 0);
    const accepted = Array.from({ length: 8 }, () => sut.tryTake(0)).filter(Boolean).length;
    expect(accepted).toBe(5);
    expect(sut.takeDropped()).toBe(3);
    expect(sut.takeDropped()).toBe(0);
  });

  it('refills at the configured rate up to the burst', () => {
    const sut = new FrameRateLimiter(10, 5, 0);
    for (let i = 0; i < 5; i++) sut.tryTake(0);
    expect(sut.tryTake(0)).toBe(false);
    expect(sut.tryTake(100)).toBe(true); // 100 ms at 10/s = 1 token
    expect(sut.tryTake(100)).toBe(false);
    const afterLongPause = Array.from({ length: 10 }, () => sut.tryTake(60_000)).filter(Boolean).length;
    expect(afterLongPause).toBe(5);
  });

  it('rejects a nonsensical configuration', () => {
    expect(() => new FrameRateLimiter(0, 5)).toThrow(RangeError);
  });
});
