import { Client, Events, GatewayIntentBits, type ClientOptions } from 'discord.js';
import {
  DiscordSandbox,
  type DiscordSandboxOptions,
  type GuildCreated,
  type ApplicationCreated,
} from '../../src/discord';

/** A sandbox with one bot application, one user and one guild holding both. */
export interface SandboxWorld {
  sandbox: DiscordSandbox;
  app: ApplicationCreated;
  userId: string;
  guild: GuildCreated;
}

/** Starts a sandbox (fast heartbeats) and creates a bot, a user and a guild containing both. */
export async function createWorld(options: DiscordSandboxOptions = {}): Promise<SandboxWorld> {
  const sandbox = await DiscordSandbox.start({ heartbeatIntervalMs: 1000, ...options });
  const app = sandbox.control.createApplication({ name: 'Chopsticks Test' });
  const { userId } = sandbox.control.createUser({ username: 'alice' });
  const guild = sandbox.control.createGuild({
    name: 'Test Guild',
    ownerId: userId,
    textChannels: ['general'],
    voiceChannels: ['Lounge', 'Music'],
    members: [app.botUserId],
  });
  return { sandbox, app, userId, guild };
}

/** A discord.js client pointed at the sandbox. */
export function sandboxClient(sandbox: DiscordSandbox, options: Partial<ClientOptions> = {}): Client {
  return new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates],
    ...options,
    rest: { api: sandbox.urls.api, ...options.rest },
  });
}

/** Logs a client in and resolves once `clientReady` fired. */
export async function loginReady(client: Client, token: string): Promise<void> {
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(token);
  await ready;
}

/** Resolves with the first value `emitter` emits for `event` that passes `filter`, or rejects after `ms`. */
export function waitForEvent<T extends unknown[]>(
  emitter: {
    on(event: string, l: (...args: T) => void): unknown;
    off(event: string, l: (...args: T) => void): unknown;
  },
  event: string,
  filter: (...args: T) => boolean = () => true,
  ms = 10000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out waiting for ${event}`));
    }, ms);
    const listener = (...args: T) => {
      if (!filter(...args)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args);
    };
    emitter.on(event, listener);
  });
}
