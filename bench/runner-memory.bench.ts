/**
 * Runner memory per agent identity (issue 10, SPEC §12: "runner memory per agent identity vs a
 * discord.js client with default caches on a realistic guild fixture: ≤ ¼").
 *
 * Fixture (Discord sandbox in this process): a pool of N identities deployed into the same 20
 * guilds, each guild shaped like a 1,000-member community server: 35 text and 15 voice channels,
 * 30 roles, 20 people in voice (spread over 3 voice channels) and 30 more people chatting.
 * Discord documents that without the GUILD_PRESENCES intent GUILD_CREATE's `members` hold only
 * the bot itself and the users in voice channels (Gateway Events › Guild Create); the rest of a
 * large guild only arrives through Request Guild Members (op 8), which neither variant sends.
 * The sandbox sends every member it knows, so the fixture registers only the members a client
 * would actually see: the bots, the 20 in voice and the 30 who chat (chatters arrive with their
 * messages on Discord; here they are in GUILD_CREATE too, which only makes the runner look
 * bigger). So `member_count` reads ~50 + N instead of 1,000 — a number, no memory. The sandbox
 * models no emojis or stickers (`emojis: []`), so neither variant caches any.
 *
 * Measured in two child processes (fresh heaps, `--expose-gc`, modules loaded before the empty
 * figure), `heapUsed + external` after forced GC, divided by N:
 * - ours: N real {@link AgentIdentity} instances — the runner's client options (intents Guilds +
 *   GuildVoiceStates, limited caches, sweepers), its LavalinkManager connected to a Lavalink
 *   sandbox node, and its assistant;
 * - baseline: N plain discord.js `Client`s with default caches and sweepers and the intents of a
 *   typical music bot (Guilds, GuildMembers, GuildVoiceStates, GuildMessages), no Lavalink.
 *
 * Two phases: "connected" (every client ready with its 20 guilds) and "after chat" (100 messages
 * per guild from the 30 + 20 members over 5 text channels — about an hour of a moderately active
 * server; the baseline receives them with its GuildMessages intent and keeps them in its default
 * 200-per-channel message cache, the runner does not ask for them).
 *
 * Run alone: `node -r @swc-node/register bench/runner-memory.bench.ts [--quick]` (JSON lines).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { DiscordSandbox, LavalinkSandbox } from '@app/sandbox';
import type { BenchRow, BenchRunOptions } from './bench-report';
import { runWhenMain } from './support/bench-main';
import type { RunnerMemoryLogin, RunnerMemoryMeasured } from './support/runner-memory-child';

const GUILDS = 20;
const TEXT_CHANNELS = 35;
const VOICE_CHANNELS = 15;
const ROLES = 30;
const IN_VOICE = 20;
const CHATTERS = 30;
const MESSAGES_PER_GUILD = 100;
const CHAT_CHANNELS = 5;
const NOMINAL_MEMBERS = 1_000;

/** SPEC §12 target: runner heap per identity ≤ ¼ of the default-cache client's. */
const TARGET_RATIO = 0.25;

/** One row of this module. */
export interface RunnerMemoryRow extends BenchRow {
  value: number;
  unit: string;
  identities: number;
  notes: string[];
}

interface Fixture {
  tokens: string[];
  /** Text channels that get chat, per guild, with the people who write there. */
  chat: { channelIds: string[]; userIds: string[] }[];
}

/** Builds the guilds of the fixture (see the module doc) with `identities` bots in each. */
function buildFixture(sandbox: DiscordSandbox, identities: number): Fixture {
  const control = sandbox.control;
  const apps = Array.from({ length: identities }, (_, index) =>
    control.createApplication({ name: `Chopsticks ${index + 1}`, privilegedIntents: ['GuildMembers'] }),
  );
  const chat: Fixture['chat'] = [];
  for (let g = 0; g < GUILDS; g++) {
    const people = Array.from(
      { length: IN_VOICE + CHATTERS },
      (_, index) => control.createUser({ username: `member${g}x${index}` }).userId,
    );
    const guild = control.createGuild({
      name: `Community ${g + 1}`,
      ownerId: people[0],
      textChannels: Array.from({ length: TEXT_CHANNELS }, (_, index) => `text-${index + 1}`),
      voiceChannels: Array.from({ length: VOICE_CHANNELS }, (_, index) => `Voice ${index + 1}`),
      // Every person has 3 of the 30 roles.
      roles: Array.from({ length: ROLES }, (_, index) => ({
        name: `role-${index + 1}`,
        permissions: '0',
        members: people.filter(
          (_, person) =>
            person % ROLES === index || (person + 7) % ROLES === index || (person + 19) % ROLES === index,
        ),
      })),
      members: [...people, ...apps.map((app) => app.botUserId)],
    });
    people.slice(0, IN_VOICE).forEach((userId, index) => {
      control.moveVoice(guild.guildId, userId, guild.voiceChannelIds[index % 3]);
    });
    chat.push({ channelIds: guild.textChannelIds.slice(0, CHAT_CHANNELS), userIds: people });
  }
  return { tokens: apps.map((app) => app.token), chat };
}

function postChat(sandbox: DiscordSandbox, fixture: Fixture): number {
  let posted = 0;
  for (const guild of fixture.chat) {
    for (let i = 0; i < MESSAGES_PER_GUILD; i++) {
      sandbox.control.postUserMessage({
        userId: guild.userIds[(i * 7) % guild.userIds.length],
        channelId: guild.channelIds[i % guild.channelIds.length],
        content: `message ${i + 1}: anyone up for some music tonight?`,
      });
      posted++;
    }
  }
  return posted;
}

type ChildEvent = RunnerMemoryMeasured | { event: 'started' } | { event: 'error'; message: string };

/** A child process of `support/runner-memory-child.ts` with a request/answer helper. */
class MemoryChild {
  private readonly events: ChildEvent[] = [];
  private waiter: (() => void) | null = null;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (event: ChildEvent) => {
      this.events.push(event);
      this.waiter?.();
    });
    child.on('exit', () => this.waiter?.());
  }

  static async start(): Promise<MemoryChild> {
    const child = fork(join(__dirname, 'support', 'runner-memory-child.ts'), [], {
      execArgv: ['-r', '@swc-node/register', '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const memory = new MemoryChild(child);
    await memory.next(30_000);
    return memory;
  }

  async next(timeoutMs: number): Promise<ChildEvent> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length === 0) {
      if (this.child.exitCode !== null) throw new Error(`memory child exited with ${this.child.exitCode}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('memory child did not answer in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
    const event = this.events.shift()!;
    if (event.event === 'error') throw new Error(`memory child: ${event.message}`);
    return event;
  }

  async request(message: object, timeoutMs: number): Promise<RunnerMemoryMeasured> {
    this.child.send(message);
    const event = await this.next(timeoutMs);
    if (event.event !== 'measured') throw new Error(`memory child answered ${event.event}`);
    return event;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ cmd: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

interface Variant {
  connected: RunnerMemoryMeasured;
  chat: RunnerMemoryMeasured;
}

async function measureVariant(
  mode: RunnerMemoryLogin['mode'],
  sandbox: DiscordSandbox,
  lavalink: LavalinkSandbox,
  fixture: Fixture,
): Promise<Variant> {
  const child = await MemoryChild.start();
  try {
    const login: RunnerMemoryLogin = {
      cmd: 'login',
      mode,
      apiUrl: sandbox.urls.api,
      tokens: fixture.tokens,
      lavalinkNodes: [
        { id: 'bench', host: '127.0.0.1', port: lavalink.port, password: 'youshallnotpass', secure: false },
      ],
      guilds: GUILDS,
    };
    const connected = await child.request(login, 40_000);
    const messages = postChat(sandbox, fixture);
    const chat = await child.request({ cmd: 'measure', messages }, 30_000);
    return { connected, chat };
  } finally {
    await child.stop();
  }
}

const kib = (bytes: number) => bytes / 1024;
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const perIdentity = (m: RunnerMemoryMeasured) => kib(m.heap - m.emptyHeap) / m.identities;

function describe(m: RunnerMemoryMeasured): string {
  return `${m.channels} channels, ${m.roles} roles, ${m.members} members, ${m.users} users, ${m.voiceStates} voice states, ${m.messages} messages cached; heap ${round(m.emptyHeap / 2 ** 20)} → ${round(m.heap / 2 ** 20)} MiB, RSS ${round(m.rss / 2 ** 20)} MiB`;
}

/**
 * Runs the benchmark: two rows (connected, after chat) with the runner's heap per identity in KiB
 * and the default-cache discord.js client's as baseline; ratio = ours / baseline, target ≤ 0.25.
 * Everything it starts is stopped before it resolves.
 * @throws Error when a sandbox or child fails, or a client does not see the whole fixture.
 */
export async function run(options: BenchRunOptions = { quick: false }): Promise<RunnerMemoryRow[]> {
  const identities = options.quick ? 4 : 10;
  const sandbox = await DiscordSandbox.start();
  const lavalink = await LavalinkSandbox.start();
  try {
    const fixture = buildFixture(sandbox, identities);
    // Ours first, then the baseline: each in its own child process, same fixture, same chat volume
    // posted into the sandbox (the chat of the first run stays in the sandbox store, not in a client).
    const ours = await measureVariant('agent', sandbox, lavalink, fixture);
    const base = await measureVariant('baseline', sandbox, lavalink, fixture);
    const notes = [
      `fixture: ${identities} identities in the same ${GUILDS} guilds, each modelled on a ${NOMINAL_MEMBERS.toLocaleString('en-US')}-member server: ${TEXT_CHANNELS} text + ${VOICE_CHANNELS} voice channels, ${ROLES} roles, ${IN_VOICE} people in voice, ${CHATTERS} more who chat; GUILD_CREATE carries only the bots, the people in voice and the chatters (Discord sends only the bot and voice members without GUILD_PRESENCES); no emojis (not modelled by the sandbox)`,
      `ours: the runner's AgentIdentity (intents Guilds + GuildVoiceStates, limited caches, sweepers) with its LavalinkManager connected to a Lavalink sandbox node and its assistant; baseline: discord.js Client with default caches and sweepers, intents Guilds + GuildMembers + GuildVoiceStates + GuildMessages, no Lavalink`,
      `each variant in its own child process; heapUsed + external after forced GC, minus the same process with its modules loaded and no client, divided by the identities; "after chat" = ${MESSAGES_PER_GUILD} messages per guild over ${CHAT_CHANNELS} text channels`,
      `ours connected: ${describe(ours.connected)}; after chat: ${describe(ours.chat)}`,
      `baseline connected: ${describe(base.connected)}; after chat: ${describe(base.chat)} (${base.chat.messagesReceived} MESSAGE_CREATE received)`,
    ];
    const row = (
      phase: string,
      ourPhase: RunnerMemoryMeasured,
      basePhase: RunnerMemoryMeasured,
    ): RunnerMemoryRow => {
      const value = perIdentity(ourPhase);
      const baseline = perIdentity(basePhase);
      return {
        name: `runner heap per identity, ${phase}`,
        value: round(value),
        unit: 'KiB/identity',
        baselineValue: { name: 'discord.js default caches', value: round(baseline), unit: 'KiB/identity' },
        ratio: round(value / baseline, 3),
        targetRatio: TARGET_RATIO,
        identities,
        notes,
      };
    };
    return [row('connected', ours.connected, base.connected), row('after chat', ours.chat, base.chat)];
  } finally {
    await lavalink.stop();
    await sandbox.stop();
  }
}

runWhenMain(module, run);
