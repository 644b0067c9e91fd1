import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverBenchmarks, parseBenchArgs } from './bench-cli';
import {
  type BenchRow,
  formatJsonLines,
  formatMicros,
  formatRate,
  formatTable,
  formatValue,
  reportRows,
  toRows,
  verdictOf,
} from './bench-report';
import { percentile } from './support/closed-loop';
import { paddedMessage } from './support/peer-messages';

const row = (overrides: Partial<BenchRow> = {}): BenchRow => ({
  name: 'allocation + rpc, 200 in flight',
  p50Us: 13_200,
  p99Us: 31_250,
  opsPerSec: 11_400,
  cpuUsPerOp: 81.5,
  baseline: {
    name: 'raw ws round trip, 200 in flight',
    p50Us: 4_130,
    p99Us: 14_400,
    opsPerSec: 25_000,
    cpuUsPerOp: 38.25,
  },
  ratio: 2.17,
  ...overrides,
});

describe('bench report', () => {
  describe(verdictOf.name, () => {
    it('passes a row that meets every target', () => {
      const sut = verdictOf(
        row({ p99Us: 20_000, opsPerSec: 13_000, targetP99Us: 25_000, targetOpsPerSec: 12_000 }),
      );

      expect(sut).toEqual({ status: 'pass', misses: [] });
    });

    it('says by how much each missed target was missed', () => {
      const sut = verdictOf(row({ targetP99Us: 25_000, targetOpsPerSec: 12_000, targetRatio: 2 }));

      expect(sut.status).toBe('miss');
      expect(sut.misses).toEqual([
        'p99 31.3 ms > 25.0 ms (1.25×)',
        'ratio 2.17× > 2.00× (1.08×)',
        '11,400/s < 12,000/s (95 % of target)',
      ]);
    });

    it('reports n/a for a row without targets', () => {
      expect(verdictOf(row())).toEqual({ status: 'n/a', misses: [] });
    });

    it('checks a value row against its largest allowed value', () => {
      const sut = verdictOf({ name: 'memory per agent', value: 20, unit: 'KiB/agent', targetMaxValue: 16 });

      expect(sut).toEqual({ status: 'miss', misses: ['20 KiB/agent > 16 KiB/agent (1.25×)'] });
    });

    it('misses a ratio target when no ratio was measured', () => {
      expect(verdictOf(row({ ratio: undefined, targetRatio: 2 })).misses).toEqual(['no ratio measured']);
    });
  });

  describe(formatTable.name, () => {
    it('prints a header, a rule and one aligned line per row with figures, baseline, ratio, target and result', () => {
      const rows = reportRows('allocation-rpc', [
        row({ targetP99Us: 25_000 }),
        row({
          name: 'allocation (1000 agents)',
          p50Us: 4.2,
          p99Us: 12.5,
          opsPerSec: 210_000,
          cpuUsPerOp: undefined,
          ratio: 0.1,
          baseline: undefined,
        }),
      ]);

      const sut = formatTable(rows).split('\n');

      expect(sut).toHaveLength(4);
      expect(sut[0]).toMatch(
        /^benchmark\s+p50\s+p99\s+throughput\s+value\s+cpu\/op\s+baseline\s+baseline cpu\/op\s+ratio\s+target\s+result$/,
      );
      expect(sut[1]).toMatch(/^-+( +-+)+$/);
      expect(sut[2]).toContain('13.2 ms');
      expect(sut[2]).toContain('31.3 ms');
      expect(sut[2]).toContain('11,400/s');
      expect(sut[2]).toContain('81.5 µs');
      expect(sut[2]).toContain('4.13 ms / 14.4 ms');
      expect(sut[2]).toContain('38.3 µs');
      expect(sut[2]).toContain('2.17×');
      expect(sut[2]).toContain('p99 ≤ 25.0 ms');
      expect(sut[2]).toContain('MISS: p99 31.3 ms > 25.0 ms (1.25×)');
      expect(sut[3]).toMatch(
        /^allocation \(1000 agents\)\s+4\.2 µs\s+12\.5 µs\s+210,000\/s\s+—\s+—\s+—\s+—\s+0\.10×\s+—\s+n\/a$/,
      );
      expect(sut[2].indexOf('11,400/s')).toBe(sut[3].indexOf('210,000/s'));
    });

    it('prints a value row with its unit, baseline value, ratio and value target', () => {
      const rows = reportRows('idle-gateway', [
        {
          name: 'idle controller cpu (10,000 agents)',
          value: 1.234,
          unit: '% of a core',
          baselineValue: { name: 'idle, 0 agents', value: 0.2, unit: '% of a core' },
          ratio: 6.17,
          targetMaxValue: 10,
        },
      ]);

      const [, , line] = formatTable(rows).split('\n');

      expect(line).toMatch(
        /^idle controller cpu \(10,000 agents\)\s+—\s+—\s+—\s+1\.23 % of a core\s+—\s+0\.2 % of a core\s+—\s+6\.17×\s+≤ 10 % of a core\s+pass$/,
      );
    });
  });

  describe(formatJsonLines.name, () => {
    it('prints one parseable JSON object per row, with module and verdict', () => {
      const rows = reportRows('allocation-rpc', [row(), row({ name: 'second', targetRatio: 3 })]);

      const sut = formatJsonLines(rows).split('\n');

      expect(sut).toHaveLength(2);
      const parsed = sut.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(parsed[0]).toMatchObject({
        name: row().name,
        module: 'allocation-rpc',
        p99Us: 31_250,
        ratio: 2.17,
      });
      expect(parsed[1]).toMatchObject({ name: 'second', verdict: { status: 'pass', misses: [] } });
    });
  });

  describe('units', () => {
    it.each([
      [12.345, '12.3 µs'],
      [456.4, '456 µs'],
      [1_234, '1.23 ms'],
      [31_250, '31.3 ms'],
    ])('formats %d µs as %s', (us, text) => {
      expect(formatMicros(us)).toBe(text);
    });

    it('formats throughput with thousands separators', () => {
      expect(formatRate(12_345.6)).toBe('12,346/s');
    });

    it.each([
      [0.4123, 's', '0.41 s'],
      [9.876, 'KiB/agent', '9.88 KiB/agent'],
      [12.34, '%', '12.3 %'],
      [1234.5, 'KiB', '1,235 KiB'],
    ])('formats the value %d %s as %s', (value, unit, text) => {
      expect(formatValue(value, unit)).toBe(text);
    });
  });

  describe(toRows.name, () => {
    it('accepts one row or an array of rows', () => {
      expect(toRows('m', row())).toHaveLength(1);
      expect(toRows('m', [row(), row()])).toHaveLength(2);
    });

    it('names the module and field of a malformed row', () => {
      expect(() => toRows('allocation', [{ name: 'x', p50Us: 1, p99Us: '2', opsPerSec: 3 }])).toThrow(
        'benchmark allocation row 0 (x): p99Us is not a number',
      );
      expect(() => toRows('allocation', [])).toThrow('benchmark allocation returned no rows');
      expect(() => toRows('idle-gateway', [{ name: 'y', value: 1 }])).toThrow(
        'benchmark idle-gateway row 0 (y): value is not a number with a unit',
      );
    });

    it('accepts a value row without latency figures', () => {
      expect(toRows('idle-gateway', { name: 'y', value: 1, unit: 's' })).toEqual([
        { name: 'y', value: 1, unit: 's' },
      ]);
    });
  });
});

describe('bench command line', () => {
  describe(parseBenchArgs.name, () => {
    it('reads --only and --quick', () => {
      expect(parseBenchArgs(['--only', 'allocation-rpc', '--quick'])).toEqual({
        only: 'allocation-rpc',
        quick: true,
      });
      expect(parseBenchArgs(['--only=allocation'])).toEqual({ only: 'allocation', quick: false });
      expect(parseBenchArgs([])).toEqual({ only: null, quick: false });
    });

    it('refuses unknown flags and a missing --only value with the usage', () => {
      expect(() => parseBenchArgs(['--fast'])).toThrow('unknown argument "--fast"');
      expect(() => parseBenchArgs(['--only'])).toThrow('--only needs a benchmark name');
      expect(() => parseBenchArgs(['--only', '--quick'])).toThrow('usage: npm run bench');
    });
  });

  describe(discoverBenchmarks.name, () => {
    it('finds *.bench.ts files sorted by name and ignores everything else', () => {
      const directory = mkdtempSync(join(tmpdir(), 'chopsticks-bench-'));
      try {
        for (const file of ['b.bench.ts', 'a.bench.ts', 'run.ts', 'a.spec.ts']) {
          writeFileSync(join(directory, file), '');
        }

        const sut = discoverBenchmarks(directory);

        expect(sut).toEqual([
          { name: 'a', path: join(directory, 'a.bench.ts') },
          { name: 'b', path: join(directory, 'b.bench.ts') },
        ]);
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    });
  });
});

describe('bench measurement helpers', () => {
  it('takes nearest-rank percentiles of sorted samples', () => {
    const samples = Float64Array.from({ length: 100 }, (_, i) => i + 1);

    expect(percentile(samples, 0.5)).toBe(51);
    expect(percentile(samples, 0.99)).toBe(100);
    expect(percentile(new Float64Array(0), 0.99)).toBe(0);
  });

  it('pads raw baseline messages to the exact byte size of the protocol frame they stand for', () => {
    const sut = paddedMessage('12345', 154);

    expect(Buffer.byteLength(sut)).toBe(154);
    expect(JSON.parse(sut)).toMatchObject({ id: '12345' });
  });
});
