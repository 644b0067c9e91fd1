import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Client, Events } from 'discord.js';

/** What `/readyz` reports about the controller's Discord gateway connection. */
export interface DiscordReadinessState {
  ready: boolean;
  /** Epoch ms of the last ready/resume, null before the first. */
  readySince: number | null;
  /** Gateway heartbeat round trip in ms (-1 when unknown). */
  pingMs: number;
  /** Guilds in the client's cache. */
  guilds: number;
}

/**
 * Tracks whether the controller's discord.js client is connected to the gateway: ready after
 * `clientReady` / `shardReady` / `shardResume`, not ready after `shardDisconnect` /
 * `shardReconnecting` / `invalidated` (discord.js 14 client events) or before login.
 */
@Injectable()
export class DiscordReadiness implements OnModuleInit, OnModuleDestroy {
  private ready = false;
  private readySince: number | null = null;
  private readonly up = () => {
    this.ready = true;
    this.readySince = Date.now();
  };
  private readonly down = () => {
    this.ready = false;
  };

  constructor(private readonly client: Client) {}

  onModuleInit(): void {
    this.client.on(Events.ClientReady, this.up);
    this.client.on(Events.ShardReady, this.up);
    this.client.on(Events.ShardResume, this.up);
    this.client.on(Events.ShardDisconnect, this.down);
    this.client.on(Events.ShardReconnecting, this.down);
    this.client.on(Events.Invalidated, this.down);
  }

  onModuleDestroy(): void {
    this.down();
    this.client.off(Events.ClientReady, this.up);
    this.client.off(Events.ShardReady, this.up);
    this.client.off(Events.ShardResume, this.up);
    this.client.off(Events.ShardDisconnect, this.down);
    this.client.off(Events.ShardReconnecting, this.down);
    this.client.off(Events.Invalidated, this.down);
  }

  /** True while the gateway session is up and the client is ready. */
  isReady(): boolean {
    return this.ready && this.client.isReady();
  }

  /** Snapshot for health checks. */
  state(): DiscordReadinessState {
    return {
      ready: this.isReady(),
      readySince: this.readySince,
      pingMs: this.client.ws.ping,
      guilds: this.client.guilds.cache.size,
    };
  }
}
