import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command, Option } from 'commander';
import { parse } from 'yaml';
import { buildCliProgram, CliOutput } from '@apps/controller';
import { githubAnchors, RUNBOOK_BASE_URL, runbookCliCommands, shellWords } from './runbook';

const ROOT = join(__dirname, '..', '..', '..');
const OPS = readFileSync(join(ROOT, 'docs/OPS.md'), 'utf8');

interface AlertRule {
  alert?: string;
  annotations?: Record<string, string>;
}

/** The CLI's real command tree; its actions are never run here (see the integration test). */
function cliProgram(): Command {
  const never = (): never => {
    throw new Error('the runbook test only inspects the command tree');
  };
  return buildCliProgram({
    config: never,
    app: never,
    output: new CliOutput(),
    readToken: never,
    verifyToken: never,
  });
}

/**
 * Checks `args` against the command tree as commander would parse them: the subcommand path
 * exists, every `--option` is declared (with a value when it takes one, within its choices), and
 * the positional arguments fit the command's. Returns the problems found.
 */
function usageProblems(program: Command, args: string[]): string[] {
  let command = program;
  let rest = [...args];
  while (rest.length > 0 && !rest[0].startsWith('-')) {
    const next = command.commands.find((sub) => sub.name() === rest[0]);
    if (!next) break;
    command = next;
    rest = rest.slice(1);
  }
  if (command === program && !rest.includes('--help')) return [`no such command: ${args.join(' ')}`];
  const problems: string[] = [];
  const positionals: string[] = [];
  while (rest.length > 0) {
    const word = rest.shift()!;
    if (word === '--help') continue;
    if (!word.startsWith('--')) {
      positionals.push(word);
      continue;
    }
    const option = (command.options as Option[]).find((candidate) => candidate.long === word);
    if (!option) {
      problems.push(`${command.name()}: unknown option ${word}`);
      continue;
    }
    if (option.required || option.optional) {
      const value = rest.shift();
      if (value === undefined || value.startsWith('--')) problems.push(`${word} needs a value`);
      else if (option.argChoices && !value.startsWith('<') && !option.argChoices.includes(value))
        problems.push(`${word} ${value} is not one of ${option.argChoices.join(', ')}`);
    }
  }
  const declared = command.registeredArguments;
  const required = declared.filter((argument) => argument.required).length;
  if (command.commands.length > 0 && !args.includes('--help'))
    problems.push(`${args.join(' ')}: names a command group, not a command`);
  if (positionals.length < required || positionals.length > declared.length)
    problems.push(
      `${command.name()}: ${positionals.length} arguments, expects ${required}–${declared.length}`,
    );
  const mandatory = (command.options as Option[]).filter((option) => option.mandatory);
  for (const option of mandatory)
    if (!args.includes(option.long!) && !args.includes('--help'))
      problems.push(`${command.name()}: missing ${option.long}`);
  return problems;
}

describe('docs/OPS.md (the runbook)', () => {
  const anchors = githubAnchors(OPS);
  const rules = parse(readFileSync(join(ROOT, 'monitoring/alerts/chopsticks-alerts.yml'), 'utf8')) as {
    groups: { rules: AlertRule[] }[];
  };
  const alerts = rules.groups.flatMap((group) => group.rules).filter((rule) => rule.alert);

  it('has a section for every alert, and every runbook annotation points at an anchor that exists', () => {
    expect(alerts.length).toBeGreaterThanOrEqual(5);
    for (const rule of alerts) {
      for (const [key, file] of [
        ['runbook', 'docs/OPS.md'],
        ['runbook_url', RUNBOOK_BASE_URL],
      ]) {
        const target = rule.annotations?.[key] ?? '';
        const at = target.lastIndexOf('#');
        const anchor = target.slice(at + 1);
        expect({
          alert: rule.alert,
          key,
          file: target.slice(0, at),
          anchorExists: anchors.has(anchor),
        }).toEqual({
          alert: rule.alert,
          key,
          file,
          anchorExists: true,
        });
      }
    }
  });

  it('resolves its own links to sections', () => {
    for (const match of OPS.matchAll(/\]\(#([^)]+)\)/g)) expect(anchors).toContain(match[1]);
  });

  it('names the health checks, metrics routes and troubleshooting sections operators look for', () => {
    for (const anchor of ['health-checks', 'metrics', 'alerts', 'troubleshooting-with-the-cli'])
      expect(anchors).toContain(anchor);
    for (const url of [
      'http://127.0.0.1:8080/healthz',
      'http://127.0.0.1:8080/readyz',
      'http://agents:8081/readyz',
      'http://dashboard:8788/health',
      'http://funhub:8790/health',
      'http://prometheus:9090/-/healthy',
    ])
      expect(OPS).toContain(url);
  });

  it('O4: names only compose services, containers and service ports the compose file has', () => {
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.production.yml'), 'utf8'), {
      merge: true,
    }) as { services: Record<string, { container_name?: string; ports?: string[]; expose?: string[] }> };
    const services = compose.services;
    const containers = Object.values(services).map((service) => service.container_name);
    const used = [...OPS.matchAll(/\bdc (?:exec|ps|logs(?: --tail \d+| -f)?) ([a-z]+)/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(10);
    for (const name of used) expect(Object.keys(services)).toContain(name);
    for (const match of OPS.matchAll(/\bdc stats ([a-z-]+)/g)) expect(containers).toContain(match[1]);
    const portsOf = (name: string): number[] =>
      [...(services[name].ports ?? []), ...(services[name].expose ?? [])].map((port) =>
        Number(port.split(':').pop()),
      );
    const urls = [...OPS.matchAll(/http:\/\/([a-z0-9.]+):(\d+)\//g)].map(([, host, port]) => ({
      service: host === '127.0.0.1' ? 'bot' : host,
      port: Number(port),
    }));
    expect(urls.length).toBeGreaterThan(8);
    for (const { service, port } of urls)
      expect({ service, ports: portsOf(service) }).toEqual({
        service,
        ports: expect.arrayContaining([port]),
      });
  });

  it('uses only CLI commands and options that exist, with the arguments they take', () => {
    const commands = runbookCliCommands(OPS);
    expect(commands.length).toBeGreaterThanOrEqual(10);
    const program = cliProgram();
    for (const command of commands) {
      expect({ command: command.args.join(' '), problems: usageProblems(program, command.args) }).toEqual({
        command: command.args.join(' '),
        problems: [],
      });
    }
  });

  it('reports a misspelt command, an unknown option and a missing argument as problems', () => {
    const program = cliProgram();

    expect(usageProblems(program, ['runner', 'list'])).toEqual(['no such command: runner list']);
    expect(usageProblems(program, ['agents', 'list', '--state', 'failed'])).toContain(
      'list: unknown option --state',
    );
    expect(usageProblems(program, ['agents', 'list', '--status', 'broken'])).toContain(
      '--status broken is not one of pending, active, inactive, suspended, revoked, failed',
    );
    expect(usageProblems(program, ['runners', 'revoke'])).toEqual(['revoke: 0 arguments, expects 1–1']);
    expect(usageProblems(program, ['pools', 'create', '--name', 'x'])).toEqual(['create: missing --owner']);
  });

  it('splits shell words like the shell for the quoting the runbook uses', () => {
    expect(shellWords(`pools create --name "Night owls" --owner 1`)).toEqual([
      'pools',
      'create',
      '--name',
      'Night owls',
      '--owner',
      '1',
    ]);
  });
});
