import type { EventEmitter } from 'node:events';
import { LavalinkManager, type LavalinkNode, type Player } from 'lavalink-client';

/** Bot identity used by the fake Discord side. */
export const BOT_USER = { id: '900000000000000001', username: 'sandbox-bot' };

/**
 * A real lavalink-client `LavalinkManager` wired to a node, with a minimal fake Discord side:
 * every op 4 (voice state update) the client sends is answered the way discord.js would
 * forward the gateway events — `VOICE_STATE_UPDATE` (bot user, session id) then
 * `VOICE_SERVER_UPDATE` (token, endpoint) through `manager.sendRawData()`.
 */
export class LavalinkClientHarness {
  readonly manager: LavalinkManager;
  /** Errors the node manager reported (reconnect attempts while the node is down, …). */
  readonly nodeErrors: unknown[] = [];
  private readonly voiceUpdates: Promise<void>[] = [];

  constructor(node: { host: string; port: number; password: string }) {
    this.manager = new LavalinkManager({
      nodes: [
        {
          id: 'sandbox',
          host: node.host,
          port: node.port,
          authorization: node.password,
          retryDelay: 50,
          retryAmount: 200,
          heartBeatInterval: 0,
          enablePingOnStatsCheck: false,
        },
      ],
      sendToShard: (guildId, payload) => this.onGatewaySend(guildId, payload),
      client: BOT_USER,
      autoSkip: true,
      playerOptions: { defaultSearchPlatform: 'ytsearch' },
    });
    this.manager.nodeManager.on('error', (_node, error) => this.nodeErrors.push(error));
  }

  get node(): LavalinkNode {
    const node = this.manager.nodeManager.nodes.get('sandbox');
    if (!node) throw new Error('node missing');
    return node;
  }

  /** Connects the node and waits for `/v4/info` (`connect`) and the `ready` op (session id). */
  async init(): Promise<void> {
    const ready = this.nextRaw((payload) => payload.op === 'ready');
    const connected = nextEvent(this.manager.nodeManager, 'connect');
    await this.manager.init({ ...BOT_USER });
    await Promise.all([ready, connected]);
  }

  /** Resolves with the next raw op the node sends that matches. */
  nextRaw(
    match: (payload: Record<string, unknown>) => boolean,
    timeoutMs = 5000,
  ): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.manager.nodeManager.off('raw', listener);
        reject(new Error('timed out waiting for a raw Lavalink op'));
      }, timeoutMs);
      const listener = (_node: LavalinkNode, payload: unknown) => {
        const record = payload as Record<string, unknown>;
        if (!match(record)) return;
        clearTimeout(timer);
        this.manager.nodeManager.off('raw', listener);
        resolve(record);
      };
      this.manager.nodeManager.on('raw', listener);
    });
  }

  /** Creates a player, joins the voice channel and waits until the voice PATCH went out. */
  async joinVoice(guildId: string, voiceChannelId: string): Promise<Player> {
    const player = this.manager.createPlayer({
      guildId,
      voiceChannelId,
      textChannelId: '700000000000000001',
      selfDeaf: true,
    });
    await player.connect();
    await Promise.all(this.voiceUpdates.splice(0));
    return player;
  }

  /** Destroys players and the node connection so no handle stays open. */
  async close(): Promise<void> {
    for (const player of [...this.manager.players.values()]) {
      await player.destroy('TestEnd').catch(() => undefined);
    }
    for (const node of [...this.manager.nodeManager.nodes.values()]) node.destroy('TestEnd', true);
  }

  private onGatewaySend(guildId: string, payload: unknown): void {
    const { d } = payload as { d: { channel_id: string | null; self_deaf: boolean; self_mute: boolean } };
    const update = (async () => {
      await Promise.resolve();
      await this.manager.sendRawData({
        t: 'VOICE_STATE_UPDATE',
        d: {
          guild_id: guildId,
          channel_id: d.channel_id,
          user_id: BOT_USER.id,
          session_id: `voice-session-${guildId}`,
          self_deaf: d.self_deaf,
          self_mute: d.self_mute,
          deaf: false,
          mute: false,
          suppress: false,
        },
      } as never);
      if (d.channel_id) {
        await this.manager.sendRawData({
          t: 'VOICE_SERVER_UPDATE',
          d: {
            guild_id: guildId,
            token: `voice-token-${guildId}`,
            endpoint: 'sandbox-voice.discord.media:443',
          },
        } as never);
      }
    })();
    this.voiceUpdates.push(update);
  }
}

/** Resolves with the arguments of the next manager event matching `match`. */
export function nextEvent<T extends unknown[]>(
  source: LavalinkManager | LavalinkManager['nodeManager'],
  event: string,
  match: (...args: T) => boolean = () => true,
  timeoutMs = 5000,
): Promise<T> {
  const emitter = source as unknown as EventEmitter;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener as never);
      reject(new Error(`timed out waiting for ${event}`));
    }, timeoutMs);
    const listener = (...args: T) => {
      if (!match(...args)) return;
      clearTimeout(timer);
      emitter.off(event, listener as never);
      resolve(args);
    };
    emitter.on(event, listener as never);
  });
}
