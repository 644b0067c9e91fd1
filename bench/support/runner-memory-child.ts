/**
 * Child process of `bench/runner-memory.bench.ts`: logs N Discord identities into the sandbox in
 * a fresh heap and reports the heap they hold, so the two variants never share a heap.
 *
 * - `agent`: the runner's own {@link AgentIdentity} (its client options, intents, cache limits,
 *   sweepers, LavalinkManager and assistant), exactly as `IdentityManagerService` builds it.
 * - `baseline`: plain discord.js `Client`s with default caches and sweepers and the intents a
 *   typical music bot asks for (Guilds, GuildMembers, GuildVoiceStates, GuildMessages).
 *
 * Protocol (IPC, JSON): parent → `{ cmd: 'login', ... }`, child → `{ event: 'measured', phase:
 * 'connected', ... }`; parent posts chat into the sandbox, then → `{ cmd: 'measure', messages }`,
 * child → `{ event: 'measured', phase: 'chat', ... }`; `{ cmd: 'stop' }` ends it. Failures →
 * `{ event: 'error', message }`. Tokens arrive over IPC only and are never printed.
 * Requires `--expose-gc`.
 */
import { Logger } from '@nestjs/common';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import { AgentIdentity, type LavalinkNodeConfig } from '@apps/agents';

/** What the parent asks the child to log in. */
export interface RunnerMemoryLogin {
  cmd: 'login';
  mode: 'agent' | 'baseline';
  apiUrl: string;
  tokens: string[];
  lavalinkNodes: LavalinkNodeConfig[];
  /** Guilds every identity is in (the child waits until each client has them all). */
  guilds: number;
}

/** Heap figures of one phase, bytes; counts summed over the child's clients. */
export interface RunnerMemoryMeasured {
  event: 'measured';
  phase: 'connected' | 'chat';
  identities: number;
  /** `heapUsed + external` after forced GC with the modules loaded and no client, bytes. */
  emptyHeap: number;
  /** `heapUsed + external` after forced GC with every identity logged in, bytes. */
  heap: number;
  rss: number;
  guilds: number;
  channels: number;
  roles: number;
  members: number;
  users: number;
  voiceStates: number;
  messages: number;
  /** MESSAGE_CREATE dispatches the clients received. */
  messagesReceived: number;
}

/** Intents of the baseline: what a typical discord.js music bot asks for. */
export const BASELINE_INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMembers,
  GatewayIntentBits.GuildVoiceStates,
  GatewayIntentBits.GuildMessages,
];

const gc = (globalThis as { gc?: () => void }).gc;

function send(message: object): void {
  process.send?.(message);
}

async function footprint(): Promise<{ heap: number; rss: number }> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed + usage.external, rss: usage.rss };
}

async function waitFor(check: () => boolean, what: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(what());
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let clients: Client[] = [];
let identities: AgentIdentity[] = [];
let emptyHeap = 0;
let messagesReceived = 0;

function counts(): Omit<RunnerMemoryMeasured, 'event' | 'phase' | 'emptyHeap' | 'heap' | 'rss'> {
  let channels = 0;
  let roles = 0;
  let members = 0;
  let voiceStates = 0;
  let messages = 0;
  let guilds = 0;
  let users = 0;
  for (const client of clients) {
    guilds += client.guilds.cache.size;
    users += client.users.cache.size;
    channels += client.channels.cache.size;
    for (const guild of client.guilds.cache.values()) {
      roles += guild.roles.cache.size;
      members += guild.members.cache.size;
      voiceStates += guild.voiceStates.cache.size;
      for (const channel of guild.channels.cache.values())
        if ('messages' in channel) messages += channel.messages.cache.size;
    }
  }
  return {
    identities: clients.length,
    guilds,
    channels,
    roles,
    members,
    users,
    voiceStates,
    messages,
    messagesReceived,
  };
}

async function login(command: RunnerMemoryLogin): Promise<void> {
  emptyHeap = (await footprint()).heap;
  if (command.mode === 'agent') {
    identities = command.tokens.map(
      (_, index) =>
        new AgentIdentity({
          agentId: `agent${index + 1}`,
          discordApiUrl: command.apiUrl,
          lavalinkNodes: command.lavalinkNodes,
          // As configured in the demo: the assistant exists, the endpoint is only called on `say`.
          tts: { url: 'http://127.0.0.1:9/tts', voice: 'default' },
          sink: { update: () => undefined, event: () => undefined, sessions: () => undefined },
        }),
    );
    await Promise.all(identities.map((identity, index) => identity.start(command.tokens[index])));
    clients = identities.map((identity) => identity.discord);
    await waitFor(
      () =>
        identities.every((identity) =>
          identity
            .lavalinkNodeStates()
            .every((state) => state.name === 'lavalink.node' && state.state === 'connected'),
        ),
      () => 'the identities’ Lavalink nodes did not connect',
      20_000,
    );
  } else {
    clients = command.tokens.map(
      () => new Client({ intents: BASELINE_INTENTS, rest: { api: command.apiUrl } }),
    );
    for (const client of clients) client.on(Events.MessageCreate, () => messagesReceived++);
    await Promise.all(
      clients.map(async (client, index) => {
        const ready = new Promise((resolve) => client.once(Events.ClientReady, resolve));
        await client.login(command.tokens[index]);
        await ready;
      }),
    );
  }
  await waitFor(
    () => clients.every((client) => client.guilds.cache.size === command.guilds),
    () =>
      `clients saw ${clients.map((client) => client.guilds.cache.size).join(', ')} of ${command.guilds} guilds`,
    20_000,
  );
}

async function measure(phase: RunnerMemoryMeasured['phase']): Promise<void> {
  const { heap, rss } = await footprint();
  send({ event: 'measured', phase, emptyHeap, heap, rss, ...counts() } satisfies RunnerMemoryMeasured);
}

process.on('message', (raw: unknown) => {
  const message = raw as { cmd: string; messages?: number };
  const work = async () => {
    if (message.cmd === 'login') {
      await login(raw as RunnerMemoryLogin);
      await measure('connected');
    } else if (message.cmd === 'measure') {
      // Only clients with the GuildMessages intent get MESSAGE_CREATE (Gateway Intents).
      const expected = identities.length > 0 ? 0 : (message.messages ?? 0) * clients.length;
      await waitFor(
        () => messagesReceived >= expected,
        () => `received ${messagesReceived} of ${expected} MESSAGE_CREATE dispatches`,
        20_000,
      );
      await measure('chat');
    } else if (message.cmd === 'stop') {
      await Promise.all(identities.map((identity) => identity.stop()));
      if (identities.length === 0) await Promise.all(clients.map((client) => client.destroy()));
      process.disconnect?.();
      process.exit(0);
    }
  };
  work().catch((error: unknown) => {
    send({ event: 'error', message: error instanceof Error ? error.message : String(error) });
  });
});

Logger.overrideLogger(['error']);
if (!gc) send({ event: 'error', message: 'run with --expose-gc' });
else send({ event: 'started' });
