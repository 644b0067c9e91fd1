import type { ExpositionSample } from '@app/metrics';

/**
 * The `q` quantile (0..1) of a Prometheus histogram from its cumulative `_bucket` samples (`le`
 * label, seconds), estimated like PromQL `histogram_quantile`: linear interpolation inside the
 * bucket holding rank `q × count`, the first bucket starting at 0, and the highest finite bound
 * when the rank falls in the `+Inf` bucket
 * (https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile).
 * @returns the estimate in the buckets' unit, or null when the histogram has no observations
 * @throws Error when `q` is outside 0..1 or a bucket has no numeric `le`
 */
export function histogramQuantile(q: number, buckets: readonly ExpositionSample[]): number | null {
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile must be within 0..1, got ${q}`);
  const sorted = buckets
    .map((sample) => {
      const le = sample.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(sample.labels.le);
      if (Number.isNaN(le)) throw new Error(`bucket ${sample.name} has no numeric le label`);
      return { le, count: sample.value };
    })
    .sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of sorted) {
    if (bucket.count >= rank) {
      if (bucket.le === Number.POSITIVE_INFINITY) return lowerBound;
      const inBucket = bucket.count - lowerCount;
      if (inBucket <= 0) return bucket.le;
      return lowerBound + (bucket.le - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerBound;
}
