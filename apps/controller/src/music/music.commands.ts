import { Injectable } from '@nestjs/common';
import { type ChatInputCommandInteraction, Client, InteractionContextType } from 'discord.js';
import { Context, createCommandGroupDecorator, Options, type SlashCommandContext, Subcommand } from 'necord';
import type { Session } from '@app/sessions';
import { type CommandReply, type InteractionHandle, InteractionResponder } from '../discord';
import { locateVoiceChannel, voiceChannelName, type VoiceWhereabouts } from '../voice-sessions';
import { MusicPlayDto } from './dto/music-play.dto';
import { MusicQueueDto } from './dto/music-queue.dto';
import { MusicVolumeDto } from './dto/music-volume.dto';
import { MUSIC_QUERY_MAX_LENGTH, MUSIC_VOLUME_MAX, MUSIC_VOLUME_MIN } from './music.constants';
import { MusicErrorCode, MusicException } from './music.exception';
import { MusicPlayUseCase } from './music-play.use-case';
import {
  type MusicReplyContext,
  nowPlayingEmbed,
  playEmbed,
  queueEmbed,
  toMusicReplyError,
} from './music-replies';
import { MusicSessionsService } from './music-sessions.service';

/** `/music …` (SPEC §6), guild-only. */
const MusicCommandGroup = createCommandGroupDecorator({
  name: 'music',
  description: 'Play music in your voice channel with one of the server’s agents',
  contexts: [InteractionContextType.Guild],
});

/** Where the invoking user is: their guild and voice channel. */
type Whereabouts = VoiceWhereabouts;

/**
 * The `/music` slash commands. Each handler runs quick checks from the client's caches (guild,
 * the user's voice state, option limits) and answers those at once; work that asks an agent is
 * deferred first (the agent may take longer than Discord's 3 s) and completed by editing the
 * deferred reply. `play` allocates an agent; every other subcommand acts on the session of the
 * user's own voice channel, never on another agent.
 */
@MusicCommandGroup()
@Injectable()
export class MusicCommands {
  constructor(
    private readonly responder: InteractionResponder,
    private readonly playUseCase: MusicPlayUseCase,
    private readonly sessions: MusicSessionsService,
    private readonly client: Client,
  ) {}

  @Subcommand({ name: 'play', description: 'Play a song or link in your voice channel' })
  async play(@Context() [interaction]: SlashCommandContext, @Options() options: MusicPlayDto): Promise<void> {
    await this.run(interaction, async (handle) => {
      const query = (options.query ?? '').trim();
      if (query.length === 0 || query.length > MUSIC_QUERY_MAX_LENGTH) {
        throw new MusicException(MusicErrorCode.InvalidQuery, `query length ${query.length}`);
      }
      const where = this.whereabouts(interaction);
      await handle.defer();
      const outcome = await this.playUseCase.execute({ ...where, userId: interaction.user.id, query });
      return {
        embeds: [
          playEmbed(
            outcome.result,
            `<@${outcome.agent.botUserId}>`,
            this.channelName(where.guildId, where.voiceChannelId),
          ),
        ],
      };
    });
  }

  @Subcommand({ name: 'skip', description: 'Skip the current track' })
  async skip(@Context() [interaction]: SlashCommandContext): Promise<void> {
    await this.onSession(interaction, async (session, agent) => {
      const { skipped, next } = await this.sessions.call(session, 'music.skip', { guildId: session.guildId });
      const now = next ? ` Now playing **${next.title}**.` : ' The queue is empty now.';
      return { content: `⏭️ ${agent} skipped **${skipped.title}**.${now}` };
    });
  }

  @Subcommand({ name: 'pause', description: 'Pause playback' })
  async pause(@Context() [interaction]: SlashCommandContext): Promise<void> {
    await this.onSession(interaction, async (session, agent) => {
      await this.sessions.call(session, 'music.pause', { guildId: session.guildId });
      return { content: `⏸️ ${agent} paused. Continue with /music resume.` };
    });
  }

  @Subcommand({ name: 'resume', description: 'Resume playback' })
  async resume(@Context() [interaction]: SlashCommandContext): Promise<void> {
    await this.onSession(interaction, async (session, agent) => {
      await this.sessions.call(session, 'music.resume', { guildId: session.guildId });
      return { content: `▶️ ${agent} resumed.` };
    });
  }

  @Subcommand({ name: 'stop', description: 'Stop the music, clear the queue and free the agent' })
  async stop(@Context() [interaction]: SlashCommandContext): Promise<void> {
    await this.onSession(interaction, async (session, agent) => {
      await this.sessions.stop(session, interaction.user.id);
      return {
        content: `⏹️ Stopped the music and cleared the queue; ${agent} left ${this.channelName(session.guildId, session.voiceChannelId)}.`,
      };
    });
  }

  @Subcommand({ name: 'queue', description: 'Show the queue' })
  async queue(
    @Context() [interaction]: SlashCommandContext,
    @Options() options: MusicQueueDto,
  ): Promise<void> {
    await this.onSession(interaction, async (session, agent) => {
      const result = await this.sessions.call(session, 'music.queue', {
        guildId: session.guildId,
        ...(options.page ? { page: options.page } : {}),
      });
      return { embeds: [queueEmbed(result, agent)] };
    });
  }

  @Subcommand({ name: 'nowplaying', description: 'Show what is playing' })
  async nowplaying(@Context() [interaction]: SlashCommandContext): Promise<void> {
    await this.onSession(interaction, async (session, agent) => {
      const result = await this.sessions.call(session, 'music.nowplaying', { guildId: session.guildId });
      return { embeds: [nowPlayingEmbed(result, agent)] };
    });
  }

  @Subcommand({ name: 'volume', description: `Set the volume (${MUSIC_VOLUME_MIN}–${MUSIC_VOLUME_MAX}%)` })
  async volume(
    @Context() [interaction]: SlashCommandContext,
    @Options() options: MusicVolumeDto,
  ): Promise<void> {
    await this.run(interaction, async (handle) => {
      const level = options.level;
      if (!Number.isInteger(level) || level < MUSIC_VOLUME_MIN || level > MUSIC_VOLUME_MAX) {
        throw new MusicException(MusicErrorCode.InvalidVolume, `volume ${String(level)}`);
      }
      const session = this.sessions.sessionFor(this.whereabouts(interaction));
      await handle.defer();
      const { volume } = await this.sessions.call(session, 'music.volume', {
        guildId: session.guildId,
        volume: level,
      });
      return { content: `🔊 ${this.agentMention(session.agentId)} set the volume to ${volume}%.` };
    });
  }

  @Subcommand({ name: 'leave', description: 'Make the agent leave your voice channel' })
  async leave(@Context() [interaction]: SlashCommandContext): Promise<void> {
    await this.onSession(interaction, async (session, agent) => {
      await this.sessions.leave(session, interaction.user.id);
      return {
        content: `👋 ${agent} left ${this.channelName(session.guildId, session.voiceChannelId)}. It is free for other channels now.`,
      };
    });
  }

  /** Runs a subcommand on the session of the user's voice channel (deferred before the RPC). */
  private async onSession(
    interaction: ChatInputCommandInteraction,
    work: (session: Session, agentMention: string) => Promise<CommandReply>,
  ): Promise<void> {
    await this.run(interaction, async (handle) => {
      const session = this.sessions.sessionFor(this.whereabouts(interaction));
      await handle.defer();
      return work(session, this.agentMention(session.agentId));
    });
  }

  private async run(
    interaction: ChatInputCommandInteraction,
    handler: (handle: InteractionHandle) => Promise<CommandReply>,
  ): Promise<void> {
    await this.responder.run(interaction, 'music', async (handle) => {
      try {
        return await handler(handle);
      } catch (error) {
        throw toMusicReplyError(error, this.replyContext(interaction.guildId));
      }
    });
  }

  /**
   * The invoking user's guild and voice channel, from the client's voice state cache (kept by
   * the GuildVoiceStates intent).
   * @throws MusicException `guild-only` outside a guild, `user-not-in-voice` when not in voice
   */
  private whereabouts(interaction: ChatInputCommandInteraction): Whereabouts {
    const found = locateVoiceChannel(this.client, interaction);
    if (found === 'guild-only') throw new MusicException(MusicErrorCode.GuildOnly, 'not in a cached guild');
    if (found === 'user-not-in-voice') {
      throw new MusicException(MusicErrorCode.UserNotInVoice, 'user not in a voice channel');
    }
    return found;
  }

  private replyContext(guildId: string | null): MusicReplyContext {
    return {
      channelName: (voiceChannelId) => this.channelName(guildId, voiceChannelId),
      agentMention: (agentId) => this.agentMention(agentId),
    };
  }

  private channelName(guildId: string | null, channelId: string): string {
    return voiceChannelName(this.client, guildId, channelId);
  }

  private agentMention(agentId: string): string {
    const botUserId = this.sessions.botUserIdOf(agentId);
    return botUserId ? `<@${botUserId}>` : 'The agent';
  }
}
