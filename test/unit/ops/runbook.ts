/**
 * Readers of docs/OPS.md for the runbook tests: GitHub heading anchors and the operator CLI
 * commands the runbook tells operators to run.
 */

/**
 * Base of every alert's absolute `runbook_url` (the repository's docs/OPS.md on GitHub; see the
 * "Alerts" section of docs/OPS.md for replacing it in a fork).
 */
export const RUNBOOK_BASE_URL = 'https://github.com/chopsticks/chopsticks/blob/main/docs/OPS.md';

/** A CLI invocation found in the runbook. */
export interface RunbookCliCommand {
  /** Words after `npm run -s cli --`, placeholders such as `<poolId>` left as they are. */
  args: string[];
  /** True when the runbook pipes a secret into it (`printf %s "$TOKEN" | npm run -s cli -- …`). */
  stdin: boolean;
}

const CLI_PREFIX = 'npm run -s cli --';

/**
 * The anchors GitHub generates for the headings of a Markdown text: lower case, punctuation
 * other than `-` and `_` dropped, spaces turned into `-`, repeats suffixed `-1`, `-2`, ….
 */
export function githubAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading) continue;
    const base = heading[1]
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Splits a command line into words, honouring single and double quotes. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g))
    words.push(match[1] ?? match[2] ?? match[3]);
  return words;
}

/**
 * Every `npm run -s cli -- …` command in the runbook, from code blocks (the rest of the line,
 * without a trailing `# comment`) and from inline code spans, in document order.
 */
export function runbookCliCommands(markdown: string): RunbookCliCommand[] {
  const commands: RunbookCliCommand[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      continue;
    }
    const snippets = fenced
      ? [line.replace(/\s+#\s.*$/, '')]
      : [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    for (const snippet of snippets) {
      const at = snippet.indexOf(CLI_PREFIX);
      if (at < 0) continue;
      const args = shellWords(snippet.slice(at + CLI_PREFIX.length));
      if (args.length === 0) continue;
      commands.push({ args, stdin: /\|\s*$/.test(snippet.slice(0, at)) });
    }
  }
  return commands;
}
