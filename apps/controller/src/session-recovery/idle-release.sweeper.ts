import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { Client } from 'discord.js';
import { effectiveIdleReleaseSeconds, GuildSettingsService } from '@app/pools';
import { Allocator, ReleaseReason, type Session, SessionRegistry } from '@app/sessions';
import { AgentGatewayEvents, AgentRpcClient } from '../agent-gateway';
import { QueueSnapshots } from './queue-snapshots';
import { SESSION_RECOVERY_OPTIONS, type SessionRecoveryOptions } from './session-recovery.constants';
import { SessionNotifier } from './session-notifier';

/** Why a session was or was not released by one sweep (for logs and tests). */
export type IdleVerdict = 'release' | 'active' | 'playing' | 'humans' | 'humans-unknown' | 'disabled';

/**
 * Idle release (SPEC §5, ACCEPTANCE I1, I2). Every `IDLE_SWEEP_INTERVAL_SECONDS` it looks at each
 * session — music and assistant — and releases it when all of these hold:
 * - **idle**: music: nothing is playing (the agent's latest report has no current track, or a
 *   `queue.end` came after the last `track.start`) and there was no command or playback activity
 *   for the guild's threshold — activity is the later of the session's `lastActivityAt` (commands
 *   and `track.start` events touch it) and the `lastActivityAt` in the agent's latest report;
 *   assistant: nothing was said (`assistant.say` and other commands touch the session) for the
 *   threshold;
 * - the threshold is the guild's `idle_release_seconds` override, else `IDLE_RELEASE_SECONDS`
 *   (1800); a guild with 0 (disabled) is never swept;
 * - **no human** is in the voice channel, per the controller's voice-state cache (bots and our
 *   agents do not count); when the guild is not cached the session is left alone.
 * Releasing first asks the agent to stop and leave (`music.stop` + `voice.leave`, or
 * `assistant.leave`) — while the session still holds the agent, so no new session can be given to
 * it and then be cut by that guild-wide leave — then frees the session in the registry (the agent
 * is idle again, A7; also when the agent could not be reached), tells the text channel and sends
 * the owner a direct message. Counted as `chopsticks_session_releases_total{reason="idle"}`.
 */
@Injectable()
export class IdleReleaseSweeper implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdleReleaseSweeper.name);
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private running: Promise<number> | null = null;

  constructor(
    @Inject(SESSION_RECOVERY_OPTIONS) private readonly options: SessionRecoveryOptions,
    private readonly sessions: SessionRegistry,
    private readonly allocator: Allocator,
    private readonly rpc: AgentRpcClient,
    private readonly snapshots: QueueSnapshots,
    private readonly settings: GuildSettingsService,
    private readonly notifier: SessionNotifier,
    private readonly client: Client,
    private readonly events: AgentGatewayEvents,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.on('agent.event', ({ agentId, event }) => {
      if (event.name !== 'track.start') return;
      const session = this.sessions.agentSessionInGuild(agentId, event.guildId);
      if (session) this.sessions.touch(session.sessionId);
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), this.options.idleSweepIntervalSeconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /**
   * Runs one sweep (a sweep already running is joined, not repeated).
   * @param now epoch ms to judge idleness at
   * @returns how many sessions were released
   */
  sweep(now: number = Date.now()): Promise<number> {
    this.running ??= this.sweepOnce(now).finally(() => (this.running = null));
    return this.running;
  }

  /**
   * Decides one session.
   * @param thresholdSeconds the guild's threshold, null = idle release disabled
   */
  verdict(session: Session, thresholdSeconds: number | null, now: number): IdleVerdict {
    if (thresholdSeconds === null) return 'disabled';
    if (session.kind === 'assistant') {
      if (now - session.lastActivityAt < thresholdSeconds * 1000) return 'active';
      return this.humansVerdict(session);
    }
    const latest = this.snapshots.latest(session.agentId, session.guildId);
    const report = latest?.report.voiceChannelId === session.voiceChannelId ? latest.report : undefined;
    if (report && this.snapshots.isPlaying(session.agentId, session.guildId)) return 'playing';
    const activity = Math.max(session.lastActivityAt, report?.lastActivityAt ?? 0);
    if (now - activity < thresholdSeconds * 1000) return 'active';
    return this.humansVerdict(session);
  }

  private humansVerdict(session: Session): IdleVerdict {
    const humans = this.humansIn(session.guildId, session.voiceChannelId);
    if (humans === null) return 'humans-unknown';
    return humans > 0 ? 'humans' : 'release';
  }

  private async sweepOnce(now: number): Promise<number> {
    const thresholds = new Map<string, number | null>();
    let released = 0;
    for (const session of [...this.sessions.all()]) {
      let threshold = thresholds.get(session.guildId);
      if (threshold === undefined) {
        try {
          const settings = await this.settings.get(session.guildId);
          threshold = effectiveIdleReleaseSeconds(settings, this.options.idleReleaseSeconds);
        } catch (error) {
          this.logger.warn(
            `idle sweep skipped guild ${session.guildId}: settings unavailable (${error instanceof Error ? error.message : String(error)})`,
          );
          threshold = null;
        }
        thresholds.set(session.guildId, threshold);
      }
      if (this.verdict(session, threshold, now) !== 'release') continue;
      // Still the same session after the await above?
      if (this.sessions.getById(session.sessionId) !== session) continue;
      if (await this.release(session, threshold as number)) released++;
    }
    return released;
  }

  /** Stops and leaves while the session still holds the agent, then frees it. @returns whether this sweep freed it */
  private async release(session: Session, thresholdSeconds: number): Promise<boolean> {
    const ops =
      session.kind === 'assistant'
        ? (['assistant.leave'] as const)
        : (['music.stop', 'voice.leave'] as const);
    for (const op of ops) {
      try {
        await this.rpc.call(session.agentId, op, { guildId: session.guildId });
      } catch (error) {
        this.logger.debug(
          `${op} before idle release failed for ${session.agentId}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    // Someone may have released it meanwhile (a command, the agent going offline): nothing to tell.
    if (!this.allocator.release(session.sessionId, ReleaseReason.Idle)) return false;
    this.logger.log(`released idle ${session.kind} session ${session.sessionId} of ${session.agentId}`);
    const agent = this.notifier.mention(session.agentId);
    const idle = thresholdSeconds < 60 ? `${thresholdSeconds} s` : `${Math.round(thresholdSeconds / 60)} min`;
    const where = `<#${session.voiceChannelId}>`;
    const assistant = session.kind === 'assistant';
    await this.notifier.toChannel(
      session.textChannelId,
      `💤 ${agent} left ${where} after ${idle} without ${assistant ? 'speaking' : 'music'} or listeners.`,
    );
    await this.notifier.toUser(
      session.ownerUserId,
      `💤 The ${assistant ? 'assistant' : 'music'} session you started in ${where} was idle for ${idle} with nobody listening, so ${agent} left. Run ${assistant ? '/assistant join' : '/music play'} to start again.`,
    );
    return true;
  }

  /** Humans in the voice channel per the controller's voice-state cache; null = guild not cached. */
  private humansIn(guildId: string, voiceChannelId: string): number | null {
    const guild = this.client.guilds.cache.get(guildId);
    if (!guild) return null;
    const self = this.client.user?.id;
    return guild.voiceStates.cache.filter(
      (state) =>
        state.channelId === voiceChannelId &&
        state.id !== self &&
        !this.notifier.isAgentBot(state.id) &&
        !(state.member?.user.bot ?? this.client.users.cache.get(state.id)?.bot ?? false),
    ).size;
  }
}
