import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../utils/database';
import { REPO_ROOT } from './support/app-process';

/**
 * `npm run demo -- --once --json` as a real child process with free ports,
 * twice: against a fresh database on the machine's Postgres and its Redis (DATABASE_URL and
 * REDIS_URL set), and on the embedded default (neither set: PGlite, in-process stores, the deploy
 * queue on BullMQ's Postgres backend). The scenario end to end — `/pools create|select`,
 * `/agents add_token`, one runner with six identities, `/agents deploy` into two guilds through the
 * sandbox's authorize page, `/music`, idle release, `/assistant`, failover, the rate limit — read
 * back from the one JSON object each run prints and its ▶ log.
 */
jest.setTimeout(240_000);

interface DemoSummary {
  agents: { registered: number; connected: number; ready: number };
  guilds: number;
  commands: { sent: number; ok: number; failed: number; rateLimited: number };
  sessions: { allocated: number; released: number; failovers: number };
  tracks: { started: number; ended: number };
  allocationSeconds: { p50: number; p99: number };
  metrics: { scraped: number; missing: string[] };
  errors: string[];
}

interface DemoRun {
  code: number | string;
  stdout: string;
  stderr: string;
}

function runDemo(env: Record<string, string>): Promise<DemoRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '-s', 'demo', '--', '--once', '--json'], {
      cwd: REPO_ROOT,
      // Exactly this environment: the parent's variables never leak into the demo.
      env: { PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, ENV_FILE: 'none', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({ code: code ?? signal ?? 'unknown', stdout, stderr });
    });
  });
}

function parseSummary(run: DemoRun): DemoSummary {
  const lines = run.stdout.trim().split('\n');
  if (lines.length !== 1)
    throw new Error(`expected one JSON line on stdout, got:\n${run.stdout}\n${run.stderr}`);
  return JSON.parse(lines[0]) as DemoSummary;
}

describe('npm run demo -- --once --json with DATABASE_URL and REDIS_URL', () => {
  let db: TestDatabase;
  let dataDir: string;
  let run: DemoRun;
  let summary: DemoSummary;

  beforeAll(async () => {
    // An empty database, as an operator's fresh DATABASE_URL: the demo migrates it first.
    db = await createTestDatabase({ template: null });
    dataDir = mkdtempSync(join(tmpdir(), 'chopsticks-demo-'));
    run = await runDemo({
      DATABASE_URL: db.url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      DEMO_DATA_DIR: dataDir,
      DEMO_PORTS: 'auto',
      HOME: dataDir,
    });
    summary = parseSummary(run);
  });

  afterAll(async () => {
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints exactly the documented summary shape', () => {
    expect(Object.keys(summary)).toEqual([
      'agents',
      'guilds',
      'commands',
      'sessions',
      'tracks',
      'allocationSeconds',
      'metrics',
      'errors',
    ]);
    expect(Object.keys(summary.agents)).toEqual(['registered', 'connected', 'ready']);
    expect(Object.keys(summary.commands)).toEqual(['sent', 'ok', 'failed', 'rateLimited']);
    expect(Object.keys(summary.sessions)).toEqual(['allocated', 'released', 'failovers']);
    expect(Object.keys(summary.tracks)).toEqual(['started', 'ended']);
    expect(Object.keys(summary.allocationSeconds)).toEqual(['p50', 'p99']);
    expect(Object.keys(summary.metrics)).toEqual(['scraped', 'missing']);
  });

  it('migrates the empty database at DATABASE_URL before anything uses it', () => {
    expect(run.stderr).toMatch(/▶ using Postgres at DATABASE_URL \(applied \d+ migration\(s\)\)/);
  });

  it('six agents registered, connected and ready in two guilds', () => {
    expect(summary.agents).toEqual({ registered: 6, connected: 6, ready: 6 });
    expect(summary.guilds).toBe(2);
  });

  it("A1, A3, A7: /pools create, 2 selects, 6 add_token, 2 deploys, eight concurrent /music play (two refused), stop, retry, the radio bot's play, three /assistant commands, three plays and set_status before the failover, /fun compliment, five /pools list — all answered; C1: the sixth /pools list is rate-limited", () => {
    expect(summary.commands).toEqual({ sent: 36, ok: 35, failed: 0, rateLimited: 1 });
    expect(run.stderr).toMatch(
      /▶ gus ran \/pools list 6 times in a row \(limit pools=5\/60\): the last answer was "You're using \/pools too quickly — try again in \d+ s\."/,
    );
  });

  it('/fun compliment goes through FunHub with the controller key and names the target', () => {
    expect(run.stderr).toMatch(
      /▶ ana ran \/fun compliment target:@ben \(the controller asked FunHub\): "💐 [^"]*ben[^"]*"/,
    );
  });

  it('the pool, tokens and deploys go through /pools and /agents: every token verified, every invite link followed, both deploy jobs verified', () => {
    expect(run.stderr).toMatch(/▶ pool-owner ran \/pools create → pool_\d+ \(public\)/);
    expect(run.stderr).toContain('▶ pool-owner ran /agents add_token 6 times: 6 tokens verified');
    expect(run.stderr).toContain(
      '(sandbox OAuth2 authorize): Agent #1, Agent #2, Agent #3, Agent #4 → Lofi Lounge; Agent #1, Agent #2 → Game Night',
    );
    expect(run.stderr).toMatch(/▶ deploy verification \(BullMQ on Redis\): 2 job\(s\)/);
  });

  it("sessions: 7 + radio + assistant + failover listener allocated; stop, 7 channel-empty, 1 idle, assistant leave and the dead agent's session released; one failover", () => {
    expect(summary.sessions.allocated).toBe(10);
    expect(summary.sessions.released).toBe(11);
    expect(summary.sessions.failovers).toBeGreaterThanOrEqual(1);
    // Every release reason is listed, and they add up to the released count.
    const reasons =
      /sessions 10 allocated, 11 released \(([^)]*)\), 1 failed over/.exec(run.stderr)?.[1] ?? '';
    const byReason = Object.fromEntries(
      reasons.split(', ').map((part) => [part.split(' ')[1], Number(part.split(' ')[0])]),
    );
    expect(Object.values(byReason).reduce((total, count) => total + count, 0)).toBe(11);
    expect(byReason.idle).toBeGreaterThanOrEqual(1);
    expect(byReason['channel-empty']).toBeGreaterThanOrEqual(1);
    expect(byReason['agent-offline']).toBe(1);
  });

  it('I1: the idle sweep releases the session of a channel no human was in', () => {
    expect(run.stderr).toContain('▶ idle sweep (IDLE_RELEASE_SECONDS=1, every 1 s): released the session');
  });

  it('I3: the agent playing is suspended; another agent of the same runner takes the session over and resumes the queue', () => {
    expect(run.stderr).toMatch(
      /▶ ana queued 3 tracks in Lofi Lounge \/ Music 1 on Agent #\d; 3 other agent\(s\) idle there/,
    );
    expect(run.stderr).toMatch(/▶ failover: Agent #\d took the session over and resumed \*\*[^*]+\*\*/);
  });

  it('A8: /assistant join, say (a TTS track) and leave all answered', () => {
    expect(run.stderr).toMatch(/▶ finn ran \/assistant join in Game Night \/ Raid: Agent #\d joined/);
    expect(run.stderr).toContain('(a TTS track from the TTS sandbox started and ended)');
    expect(run.stderr).toMatch(/▶ \/assistant leave: 👋 Agent #\d left/);
  });

  it('every track (music, the utterance, the resumed queue) started and ended in the Lavalink emulator', () => {
    // 7 from the concurrent plays and the retry, the radio track, the utterance, 3 queued + 1 resumed.
    expect(summary.tracks.started).toBeGreaterThanOrEqual(13);
    expect(summary.tracks.ended).toBe(summary.tracks.started);
  });

  it('allocation latency is read from the histogram and /metrics-app has every runbook metric', () => {
    expect(summary.allocationSeconds.p50).toBeGreaterThan(0);
    expect(summary.allocationSeconds.p99).toBeGreaterThanOrEqual(summary.allocationSeconds.p50);
    expect(summary.metrics.scraped).toBeGreaterThanOrEqual(9);
    expect(summary.metrics.missing).toEqual([]);
  });

  it('every step succeeded: errors [] and exit code 0', () => {
    expect(summary.errors).toEqual([]);
    expect(run.code).toBe(0);
  });

  it('B22: five apps in one process boot without metric registry collisions', () => {
    expect(run.stderr).not.toMatch(/already been registered|already registered/i);
  });

  it('progress goes to stderr as short ▶ lines and no secret reaches the output', () => {
    expect(run.stderr).toMatch(
      /▶ runner runner_\w+ \(capacity 6, TTS_URL set so it offers \/assistant\): 6 agents connected, 6 ready/,
    );
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/[\w-]{24,}\.[\w-]{6}\.[\w-]{27,}/);
    // The human summary prints a demo Swagger key once; --json output never carries an API key.
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/cs_[0-9a-f]{8}_/);
  });
});

describe('npm run demo -- --once --json on the embedded default (no DATABASE_URL, no REDIS_URL)', () => {
  let dataDir: string;
  let run: DemoRun;
  let summary: DemoSummary;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chopsticks-demo-embedded-'));
    run = await runDemo({ DEMO_DATA_DIR: dataDir, DEMO_PORTS: 'auto', HOME: dataDir });
    summary = parseSummary(run);
  });

  afterAll(() => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('every step succeeded on PGlite and in-process stores: errors [] and exit code 0', () => {
    expect(summary.errors).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`▶ using a fresh embedded Postgres in ${dataDir}/pglite`);
  });

  it("the deploy-verification queue runs on BullMQ's Postgres backend in the embedded database", () => {
    expect(run.stderr).toMatch(/▶ deploy verification \(BullMQ on Postgres\): 2 job\(s\)/);
  });

  it('every count the scenario implies is non-zero', () => {
    expect(summary.agents).toEqual({ registered: 6, connected: 6, ready: 6 });
    expect(summary.guilds).toBe(2);
    expect(summary.commands).toEqual({ sent: 36, ok: 35, failed: 0, rateLimited: 1 });
    expect(summary.sessions).toEqual({ allocated: 10, released: 11, failovers: 1 });
    expect(summary.tracks.started).toBeGreaterThanOrEqual(13);
    expect(summary.tracks.ended).toBe(summary.tracks.started);
    expect(summary.allocationSeconds.p50).toBeGreaterThan(0);
    expect(summary.metrics.scraped).toBeGreaterThanOrEqual(9);
    expect(summary.metrics.missing).toEqual([]);
  });
});
