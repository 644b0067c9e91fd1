import { Injectable } from '@nestjs/common';
import { type ChatInputCommandInteraction, Client, InteractionContextType } from 'discord.js';
import { Context, createCommandGroupDecorator, Options, type SlashCommandContext, Subcommand } from 'necord';
import type { Session } from '@app/sessions';
import { type CommandReply, type InteractionHandle, InteractionResponder } from '../discord';
import { locateVoiceChannel, voiceChannelName, type VoiceWhereabouts } from '../voice-sessions';
import { AssistantSayDto } from './dto/assistant-say.dto';
import { ASSISTANT_SAY_MAX_LENGTH } from './assistant.constants';
import { AssistantErrorCode, AssistantException } from './assistant.exception';
import { AssistantJoinUseCase } from './assistant-join.use-case';
import {
  type AssistantReplyContext,
  joinEmbed,
  sayEmbed,
  statusEmbed,
  toAssistantReplyError,
} from './assistant-replies';
import { AssistantSessionsService } from './assistant-sessions.service';

/** `/assistant …` (SPEC §6), guild-only. */
const AssistantCommandGroup = createCommandGroupDecorator({
  name: 'assistant',
  description: 'A voice assistant in your voice channel, played by one of the server’s agents',
  contexts: [InteractionContextType.Guild],
});

/** Where the invoking user is: their guild and voice channel. */
type Whereabouts = VoiceWhereabouts;

/**
 * The `/assistant` slash commands. Each handler runs quick checks from the client's caches (guild,
 * the user's voice state, option limits) and answers those at once; work that asks an agent is
 * deferred first (the agent may take longer than Discord's 3 s) and completed by editing the
 * deferred reply. `join` allocates an agent (session kind `assistant`); `say`, `status` and
 * `leave` act on the assistant session of the user's own voice channel, never on another agent.
 */
@AssistantCommandGroup()
@Injectable()
export class AssistantCommands {
  constructor(
    private readonly responder: InteractionResponder,
    private readonly joinUseCase: AssistantJoinUseCase,
    private readonly sessions: AssistantSessionsService,
    private readonly client: Client,
  ) {}

  @Subcommand({ name: 'join', description: 'Bring a voice assistant into your voice channel' })
  async join(@Context() [interaction]: SlashCommandContext): Promise<void> {
    await this.run(interaction, async (handle) => {
      const where = this.whereabouts(interaction);
      await handle.defer();
      const outcome = await this.joinUseCase.execute({ ...where, userId: interaction.user.id });
      return {
        embeds: [
          joinEmbed(
            `<@${outcome.agent.botUserId}>`,
            this.channelName(where.guildId, where.voiceChannelId),
            outcome.reused,
          ),
        ],
      };
    });
  }

  @Subcommand({ name: 'say', description: 'Make the assistant say something in your voice channel' })
  async say(
    @Context() [interaction]: SlashCommandContext,
    @Options() options: AssistantSayDto,
  ): Promise<void> {
    await this.run(interaction, async (handle) => {
      const text = (options.text ?? '').trim();
      if (text.length === 0 || [...text].length > ASSISTANT_SAY_MAX_LENGTH) {
        throw new AssistantException(AssistantErrorCode.InvalidText, `text length ${text.length}`);
      }
      const session = this.sessions.sessionFor(this.whereabouts(interaction));
      await handle.defer();
      const result = await this.sessions.call(session, 'assistant.say', { guildId: session.guildId, text });
      return { embeds: [sayEmbed(result, this.agentMention(session.agentId), text)] };
    });
  }

  @Subcommand({ name: 'status', description: 'Show what the assistant in your voice channel is doing' })
  async status(@Context() [interaction]: SlashCommandContext): Promise<void> {
    await this.onSession(interaction, async (session, agent) => {
      const result = await this.sessions.call(session, 'assistant.status', { guildId: session.guildId });
      return {
        embeds: [statusEmbed(result, agent, (channelId) => this.channelName(session.guildId, channelId))],
      };
    });
  }

  @Subcommand({ name: 'leave', description: 'Make the assistant leave your voice channel' })
  async leave(@Context() [interaction]: SlashCommandContext): Promise<void> {
    await this.onSession(interaction, async (session, agent) => {
      await this.sessions.leave(session, interaction.user.id);
      return {
        content: `👋 ${agent} left ${this.channelName(session.guildId, session.voiceChannelId)}. It is free for other channels now.`,
      };
    });
  }

  /** Runs a subcommand on the assistant session of the user's voice channel (deferred before the RPC). */
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
    await this.responder.run(interaction, 'assistant', async (handle) => {
      try {
        return await handler(handle);
      } catch (error) {
        throw toAssistantReplyError(error, this.replyContext(interaction.guildId));
      }
    });
  }

  /**
   * The invoking user's guild and voice channel, from the client's voice state cache (kept by
   * the GuildVoiceStates intent).
   * @throws AssistantException `guild-only` outside a guild, `user-not-in-voice` when not in voice
   */
  private whereabouts(interaction: ChatInputCommandInteraction): Whereabouts {
    const found = locateVoiceChannel(this.client, interaction);
    if (found === 'guild-only')
      throw new AssistantException(AssistantErrorCode.GuildOnly, 'not in a cached guild');
    if (found === 'user-not-in-voice') {
      throw new AssistantException(AssistantErrorCode.UserNotInVoice, 'user not in a voice channel');
    }
    return found;
  }

  private replyContext(guildId: string | null): AssistantReplyContext {
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
    return botUserId ? `<@${botUserId}>` : 'The assistant';
  }
}
