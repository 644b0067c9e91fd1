import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { METRIC_DEFINITIONS } from '@app/metrics';

const ROOT = join(__dirname, '..', '..', '..');

/** Product sources: `apps/*\/src` and `libs/*\/src` TypeScript, without tests and without libs/metrics. */
function productSources(): { path: string; text: string }[] {
  const files: { path: string; text: string }[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.ts$/.test(entry) && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(entry))
        files.push({ path: relative(ROOT, path), text: readFileSync(path, 'utf8') });
    }
  };
  for (const top of ['apps', 'libs'])
    for (const project of readdirSync(join(ROOT, top))) {
      if (top === 'libs' && (project === 'metrics' || project === 'sandbox')) continue;
      const src = join(ROOT, top, project, 'src');
      if (statSync(src, { throwIfNoEntry: false })?.isDirectory()) walk(src);
    }
  return files;
}

/** Calls that change a metric through its `ChopsticksMetrics` accessor. */
const UPDATE = '\\s*\\.\\s*(?:inc|dec|set|observe|startTimer|reset)\\s*\\(';

/**
 * Where each metric's accessor is updated (`metrics.<accessor>.inc(…)`, `.set(…)`,
 * `.observe(…)`, `.startTimer(…)`) in product code outside libs/metrics.
 */
function updatesByMetric(): Map<string, string[]> {
  const sources = productSources();
  return new Map(
    Object.keys(METRIC_DEFINITIONS).map((accessor) => {
      const pattern = new RegExp(`\\.${accessor}${UPDATE}`);
      return [accessor, sources.filter((file) => pattern.test(file.text)).map((file) => file.path)];
    }),
  );
}

describe('every declared metric is updated by product code (SPEC §8, O1)', () => {
  it('O1: finds an update call for each metric in libs/metrics outside libs/metrics and the sandbox', () => {
    const updates = updatesByMetric();

    const never = [...updates].filter(([, files]) => files.length === 0).map(([accessor]) => accessor);

    expect(never).toEqual([]);
    expect(updates.size).toBe(Object.keys(METRIC_DEFINITIONS).length);
  });

  it('recognises update calls and ignores mere mentions', () => {
    const pattern = new RegExp(`\\.agentReady${UPDATE}`);

    expect(pattern.test('this.metrics.agentReady.set(3)')).toBe(true);
    expect(pattern.test('m.agentReady\n      .set(1)')).toBe(true);
    expect(pattern.test('const gauge = this.metrics.agentReady;')).toBe(false);
    expect(pattern.test('// agentReady.set is called elsewhere')).toBe(false);
  });
});
