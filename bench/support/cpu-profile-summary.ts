/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function and per
 * package/folder, highest first — enough to name the cost centres of a benchmark's hot path.
 *
 * Usage: `node -r @swc-node/register bench/support/cpu-profile-summary.ts <file.cpuprofile> [top]`
 *
 * Format: the Chrome DevTools Protocol `Profiler.Profile` object (`nodes` with `callFrame`,
 * `children`; `samples` + `timeDeltas` in µs) — https://chromedevtools.github.io/devtools-protocol/tot/Profiler/#type-Profile
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One line of the summary: a function or a group and its self time. */
export interface ProfileCost {
  name: string;
  selfMs: number;
  /** Share of all sampled time, percent. */
  percent: number;
}

/** Where a script URL belongs: `node_modules/<pkg>`, a repo folder like `libs/protocol`, or `node:internal`. */
export function groupOf(url: string): string {
  if (url === '') return '(native/vm)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  if (url.startsWith('node:')) return 'node:internal';
  const repo = /\/((?:libs|apps)\/[^/]+|bench)\//.exec(url);
  return repo ? repo[1] : url;
}

/**
 * Self time (ms) per function (`name file:line`) and per group ({@link groupOf}), highest first.
 * @throws Error when `profile` has no nodes or samples.
 */
export function summarize(profile: CpuProfile): { functions: ProfileCost[]; groups: ProfileCost[] } {
  if (!Array.isArray(profile.nodes) || !Array.isArray(profile.samples)) {
    throw new Error('not a V8 cpuprofile (nodes/samples missing)');
  }
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  let totalUs = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
    totalUs += delta;
  });
  const functions = new Map<string, number>();
  const groups = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(libs|apps|bench)\//, '$1/');
    const key = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
    functions.set(key, (functions.get(key) ?? 0) + us);
    const group = groupOf(url);
    groups.set(group, (groups.get(group) ?? 0) + us);
  }
  const ranked = (costs: Map<string, number>): ProfileCost[] =>
    [...costs.entries()]
      .map(([name, us]) => ({ name, selfMs: us / 1000, percent: totalUs > 0 ? (100 * us) / totalUs : 0 }))
      .sort((a, b) => b.selfMs - a.selfMs);
  return { functions: ranked(functions), groups: ranked(groups) };
}

if (require.main === module) {
  const [file, topArg] = process.argv.slice(2);
  if (!file) {
    console.error('usage: cpu-profile-summary.ts <file.cpuprofile> [top]');
    process.exitCode = 1;
  } else {
    const top = Number(topArg ?? 30);
    const { functions, groups } = summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
    const line = (cost: ProfileCost) =>
      `${cost.selfMs.toFixed(0).padStart(7)} ms ${cost.percent.toFixed(1).padStart(5)} %  ${cost.name}`;
    console.log('self time by package/folder:');
    for (const cost of groups.slice(0, top)) console.log(line(cost));
    console.log('\nself time by function:');
    for (const cost of functions.slice(0, top)) console.log(line(cost));
  }
}
