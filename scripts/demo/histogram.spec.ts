import type { ExpositionSample } from '@app/metrics';
import { histogramQuantile } from './histogram';

const bucket = (le: string, value: number): ExpositionSample => ({
  name: 'chopsticks_session_allocation_duration_seconds_bucket',
  labels: { le },
  value,
});

describe(histogramQuantile.name, () => {
  const sut = histogramQuantile;

  it('interpolates linearly inside the bucket holding the rank, like histogram_quantile', () => {
    const buckets = [bucket('0.01', 2), bucket('0.05', 6), bucket('0.1', 10), bucket('+Inf', 10)];

    expect(sut(0.5, buckets)).toBeCloseTo(0.04);
    expect(sut(0.1, buckets)).toBeCloseTo(0.005);
    expect(sut(0.99, buckets)).toBeCloseTo(0.09875);
  });

  it('answers the highest finite bound when the rank falls in +Inf', () => {
    expect(sut(0.99, [bucket('0.5', 1), bucket('1', 1), bucket('+Inf', 4)])).toBe(1);
  });

  it('answers null without observations and refuses a quantile outside 0..1', () => {
    expect(sut(0.5, [bucket('0.1', 0), bucket('+Inf', 0)])).toBeNull();
    expect(() => sut(1.5, [bucket('+Inf', 1)])).toThrow('quantile must be within 0..1, got 1.5');
  });
});
