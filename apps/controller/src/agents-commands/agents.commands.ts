import { Inject, Injectable, Logger, UseInterceptors } from '@nestjs/common';
import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  ChannelType,
  type ChatInputCommandInteraction,
  Client,
  InteractionContextType,
  MessageFlags,
} from 'discord.js';
import { Context, createCommandGroupDecorator, Options, type SlashCommandContext, Subcommand } from 'necord';
import { AccessPolicy } from '@app/access';
import {
  type Actor,
  AgentRegistrationsService,
  type AgentRegistrationView,
  effectiveIdleReleaseSeconds,
  GuildSettingsService,
  PoolsException,
  PoolsExceptionCode,
  PoolsService,
} from '@app/pools';
import { Allocator, type Session } from '@app/sessions';
import { AssistantSessionsService } from '../assistant';
import {
  type DeployResult,
  DeployException,
  DeployExceptionCode,
  DeployUseCase,
  MAX_AGENTS_PER_GUILD,
} from '../deploy';
import {
  accessActorOf,
  type CommandReply,
  type InteractionHandle,
  InteractionResponder,
  poolsActorOf,
} from '../discord';
import { MusicSessionsService } from '../music';
import { voiceChannelName } from '../voice-sessions';
import { AgentTokenAddUseCase } from './agent-token-add.use-case';
import { AgentAutocompleteInterceptor } from './agents-autocomplete.interceptor';
import {
  AGENTS_COMMANDS_OPTIONS,
  type AgentsCommandsOptions,
  BUTTONS_PER_ROW,
  IDLE_POLICY_MAX_MINUTES,
  INVITES_PER_MESSAGE,
} from './agents-commands.constants';
import { AgentsCommandErrorCode, AgentsCommandException } from './agents-commands.exception';
import {
  advisorEmbed,
  type AgentsReplyContext,
  deployEmbed,
  diagnosisEmbed,
  doneEmbed,
  guildStatusEmbed,
  networkStatusEmbed,
  relativeTime,
  sessionsEmbed,
  tokensEmbed,
} from './agents-embeds';
import { AgentsOverviewService } from './agents-overview.service';
import { toAgentsReplyError } from './agents-replies';
import {
  AgentsAddTokenDto,
  AgentsAgentDto,
  AgentsAssignDto,
  AgentsDeployDto,
  AgentsIdlePolicyDto,
  AgentsListTokensDto,
  AgentsReleaseDto,
  AgentsSetStatusDto,
  AgentsStatusDto,
  type ChannelOptionValue,
} from './dto/agents-options.dto';

/** `/agents …` (SPEC §6), guild-only. */
const AgentsCommandGroup = createCommandGroupDecorator({
  name: 'agents',
  description: 'See, deploy and manage the agents that play in this server',
  contexts: [InteractionContextType.Guild],
});

const AGENT_REFERENCE = /^(?:agent(\d{17,20})|<@!?(\d{17,20})>|(\d{17,20}))$/;

/**
 * The `/agents` slash commands. Each handler checks its options and permissions (through the one
 * {@link AccessPolicy}) first, defers before Postgres, Discord or agent work, and answers with an
 * embed; personal content (tokens, diagnostics, errors) is ephemeral and tokens are never echoed.
 * Mutations run through the responder as such (throttle, idempotency).
 */
@AgentsCommandGroup()
@Injectable()
export class AgentsCommands {
  private readonly logger = new Logger(AgentsCommands.name);

  constructor(
    private readonly responder: InteractionResponder,
    private readonly policy: AccessPolicy,
    private readonly overview: AgentsOverviewService,
    private readonly deployUseCase: DeployUseCase,
    private readonly tokenAdd: AgentTokenAddUseCase,
    private readonly registrations: AgentRegistrationsService,
    private readonly pools: PoolsService,
    private readonly guildSettings: GuildSettingsService,
    private readonly allocator: Allocator,
    private readonly musicSessions: MusicSessionsService,
    private readonly assistantSessions: AssistantSessionsService,
    private readonly client: Client,
    @Inject(AGENTS_COMMANDS_OPTIONS) private readonly options: AgentsCommandsOptions,
  ) {}

  @Subcommand({
    name: 'status',
    description: 'Connected, ready and busy agents in this server (or the network)',
  })
  async status(
    @Context() [interaction]: SlashCommandContext,
    @Options() options: AgentsStatusDto,
  ): Promise<void> {
    await this.run(interaction, false, async (handle) => {
      const guildId = this.guildOf(interaction);
      if (options.scope === 'network') {
        this.policy.assertBotOwner(accessActorOf(interaction));
        await handle.defer({ ephemeral: true });
        return { embeds: [networkStatusEmbed(await this.overview.networkStatus())], ephemeral: true };
      }
      return { embeds: [guildStatusEmbed(this.overview.guildStatus(guildId), this.context(guildId))] };
    });
  }

  @Subcommand({
    name: 'deploy',
    description: 'Invite links for agents so this server has the total you want',
  })
  async deploy(
    @Context() [interaction]: SlashCommandContext,
    @Options() options: AgentsDeployDto,
  ): Promise<void> {
    let result: DeployResult | null = null;
    const status = await this.run(interaction, true, async (handle) => {
      const guildId = this.guildOf(interaction);
      const actor = accessActorOf(interaction);
      this.policy.assertGuildAdmin(actor);
      const desiredTotal = options.desiredTotal;
      if (!Number.isInteger(desiredTotal) || desiredTotal < 0) {
        throw new AgentsCommandException(
          AgentsCommandErrorCode.DesiredTotalInvalid,
          `desired ${desiredTotal}`,
        );
      }
      if (desiredTotal > MAX_AGENTS_PER_GUILD) {
        throw new DeployException(DeployExceptionCode.DesiredTotalTooHigh, `desired ${desiredTotal}`);
      }
      await handle.defer({ ephemeral: true });
      const poolId = options.pool?.trim() || (await this.guildSettings.get(guildId)).selectedPoolId;
      if (!poolId) throw new AgentsCommandException(AgentsCommandErrorCode.PoolRequired, 'no pool');
      result = await this.deployUseCase.execute({
        guildId,
        poolId,
        desiredTotal,
        actorUserId: interaction.user.id,
        operator: this.policy.isBotOwner(interaction.user.id),
      });
      return { embeds: [deployEmbed(result.plan, result.verification !== null)], ephemeral: true };
    });
    if (status === 'ok' && result) await this.sendInvites(interaction, result);
  }

  @Subcommand({ name: 'advisor', description: 'Pools this server can use, ranked by free agents' })
  async advisor(@Context() [interaction]: SlashCommandContext): Promise<void> {
    await this.run(interaction, false, async (handle) => {
      const guildId = this.guildOf(interaction);
      await handle.defer({ ephemeral: true });
      return {
        embeds: [advisorEmbed(await this.overview.advise(guildId, interaction.user.id))],
        ephemeral: true,
      };
    });
  }

  @Subcommand({ name: 'sessions', description: 'Live music and assistant sessions in this server' })
  async sessions(@Context() [interaction]: SlashCommandContext): Promise<void> {
    await this.run(interaction, false, () => {
      const guildId = this.guildOf(interaction);
      return { embeds: [sessionsEmbed(this.overview.guildSessions(guildId), this.context(guildId))] };
    });
  }

  @UseInterceptors(AgentAutocompleteInterceptor)
  @Subcommand({ name: 'assign', description: 'Pin an agent to a voice channel for 5 minutes (admins)' })
  async assign(
    @Context() [interaction]: SlashCommandContext,
    @Options() options: AgentsAssignDto,
  ): Promise<void> {
    await this.run(interaction, true, () => {
      const guildId = this.guildOf(interaction);
      this.policy.assertGuildAdmin(accessActorOf(interaction));
      const agentId = parseAgent(options.agent);
      const voiceChannelId = this.voiceChannelOf(interaction, options.channel);
      const live = this.overview.liveAgent(agentId);
      if (!live || !live.guilds.has(guildId)) {
        throw new AgentsCommandException(
          AgentsCommandErrorCode.AgentNotHere,
          agentId,
          this.agentMention(agentId),
        );
      }
      const pin = this.allocator.assign(guildId, voiceChannelId, agentId);
      const channel = voiceChannelName(this.client, guildId, voiceChannelId);
      return {
        embeds: [
          doneEmbed(
            'Agent assigned',
            `📌 ${this.agentMention(agentId)} is pinned to ${channel} until ${relativeTime(pin.expiresAt)}: the next /music play or /assistant join there uses it while it is free.`,
          ),
        ],
      };
    });
  }

  @Subcommand({
    name: 'release',
    description: 'End the session in a voice channel and free its agent (admins)',
  })
  async release(
    @Context() [interaction]: SlashCommandContext,
    @Options() options: AgentsReleaseDto,
  ): Promise<void> {
    await this.run(interaction, true, async (handle) => {
      const guildId = this.guildOf(interaction);
      this.policy.assertGuildAdmin(accessActorOf(interaction));
      const voiceChannelId = this.voiceChannelOf(interaction, options.channel);
      const targets = this.overview
        .guildSessions(guildId)
        .filter((s) => s.voiceChannelId === voiceChannelId && (!options.kind || s.kind === options.kind));
      const channel = voiceChannelName(this.client, guildId, voiceChannelId);
      if (targets.length === 0) {
        throw new AgentsCommandException(AgentsCommandErrorCode.NoSession, voiceChannelId, channel);
      }
      await handle.defer();
      for (const session of targets) await this.end(session, interaction.user.id);
      const lines = targets.map((s) => `${s.kind}: ${this.agentMention(s.agentId)} left ${channel}`);
      return { embeds: [doneEmbed(`Released ${targets.length} session(s)`, lines.join('\n'))] };
    });
  }

  @Subcommand({
    name: 'idle_policy',
    description: 'When idle agents leave: after N minutes, the default, or never',
  })
  async idlePolicy(
    @Context() [interaction]: SlashCommandContext,
    @Options() options: AgentsIdlePolicyDto,
  ): Promise<void> {
    await this.run(interaction, true, async (handle) => {
      const guildId = this.guildOf(interaction);
      this.policy.assertGuildAdmin(accessActorOf(interaction));
      const idleReleaseSeconds = idleSecondsFrom(options);
      await handle.defer();
      const settings = await this.guildSettings.upsert(
        guildId,
        { idleReleaseSeconds },
        this.poolsActor(interaction),
      );
      const effective = effectiveIdleReleaseSeconds(settings, this.options.idleReleaseSeconds);
      const description =
        effective === null
          ? 'Agents in this server are never released for being idle; they still leave when the last listener leaves.'
          : `Agents leave after ${formatMinutes(effective)} with nobody listening${settings.idleReleaseSeconds === null ? ' (the default)' : ''}.`;
      return { embeds: [doneEmbed('Idle policy updated', description)] };
    });
  }

  @Subcommand({
    name: 'add_token',
    description: 'Contribute a bot token to a pool (verified with Discord first)',
  })
  async addToken(
    @Context() [interaction]: SlashCommandContext,
    @Options() options: AgentsAddTokenDto,
  ): Promise<void> {
    await this.run(interaction, true, async (handle) => {
      const guildId = this.guildOf(interaction);
      await handle.defer({ ephemeral: true });
      const poolId =
        options.pool?.trim() || (await this.defaultContributionPool(interaction.user.id, guildId));
      const outcome = await this.tokenAdd.execute({
        token: options.token,
        poolId,
        userId: interaction.user.id,
        requestId: interaction.id,
      });
      const who = `**${outcome.agent.tag}** (\`${outcome.agent.agentId}\`)`;
      const embed = outcome.contribution
        ? doneEmbed(
            'Contribution pending approval',
            `Discord verified the token of ${who}. It waits for the owner of **${outcome.pool.name}** (\`${outcome.pool.id}\`) to approve it` +
              `${outcome.ownerNotified ? ' — they were sent a message' : ' — they could not be messaged, so let them know'}.`,
            true,
          )
        : doneEmbed(
            'Agent added',
            `Discord verified the token of ${who}; it is active in **${outcome.pool.name}** (\`${outcome.pool.id}\`) and a runner will log it in shortly.`,
          );
      return {
        embeds: [embed.addFields({ name: 'Token', value: `\`${outcome.agent.tokenMasked}\`` })],
        ephemeral: true,
      };
    });
  }

  @UseInterceptors(AgentAutocompleteInterceptor)
  @Subcommand({ name: 'set_status', description: 'Activate, deactivate or suspend an agent (pool managers)' })
  async setStatus(
    @Context() [interaction]: SlashCommandContext,
    @Options() options: AgentsSetStatusDto,
  ): Promise<void> {
    await this.run(interaction, true, async (handle) => {
      const registration = await this.deferRegistration(interaction, handle, options.agent);
      await this.policy.assertPoolRole(accessActorOf(interaction), registration.poolId, 'manager');
      const updated = await this.registrations.setStatus(
        registration.agentId,
        options.status,
        this.poolsActor(interaction),
      );
      return {
        embeds: [
          doneEmbed(
            'Agent status changed',
            `\`${updated.agentId}\` (**${updated.tag}**) is now **${updated.status}**.`,
          ),
        ],
        ephemeral: true,
      };
    });
  }

  @UseInterceptors(AgentAutocompleteInterceptor)
  @Subcommand({ name: 'revoke', description: 'Revoke an agent for good: its token is erased' })
  async revoke(
    @Context() [interaction]: SlashCommandContext,
    @Options() options: AgentsAgentDto,
  ): Promise<void> {
    await this.run(interaction, true, async (handle) => {
      const registration = await this.deferRegistration(interaction, handle, options.agent);
      if (registration.contributedBy !== interaction.user.id) {
        await this.policy.assertPoolRole(accessActorOf(interaction), registration.poolId, 'manager');
      }
      const revoked = await this.registrations.revoke(registration.agentId, this.poolsActor(interaction));
      return {
        embeds: [
          doneEmbed(
            'Agent revoked',
            `\`${revoked.agentId}\` (**${revoked.tag}**) is revoked: its stored token was erased and it cannot be reactivated. Reset the token in the Developer Portal if it may have leaked.`,
          ),
        ],
        ephemeral: true,
      };
    });
  }

  @Subcommand({ name: 'list_tokens', description: 'Your contributed tokens (masked), or a pool you manage' })
  async listTokens(
    @Context() [interaction]: SlashCommandContext,
    @Options() options: AgentsListTokensDto,
  ): Promise<void> {
    await this.run(interaction, false, async (handle) => {
      this.guildOf(interaction);
      const poolId = options.pool?.trim();
      await handle.defer({ ephemeral: true });
      if (poolId) await this.policy.assertPoolRole(accessActorOf(interaction), poolId, 'manager');
      const rows = await this.overview.listTokens(
        poolId ? { poolId } : { contributedBy: interaction.user.id },
      );
      return {
        embeds: [tokensEmbed(rows, poolId ? `Tokens of ${poolId}` : 'Your tokens')],
        ephemeral: true,
      };
    });
  }

  @UseInterceptors(AgentAutocompleteInterceptor)
  @Subcommand({ name: 'diagnose', description: 'Why an agent is (not) usable in this server' })
  async diagnose(
    @Context() [interaction]: SlashCommandContext,
    @Options() options: AgentsAgentDto,
  ): Promise<void> {
    await this.run(interaction, false, async (handle) => {
      const guildId = this.guildOf(interaction);
      const agentId = parseAgent(options.agent);
      await handle.defer({ ephemeral: true });
      const diagnosis = await this.overview.diagnose(agentId, guildId);
      const actor = accessActorOf(interaction);
      if (!this.policy.isGuildAdmin(actor) && diagnosis.registration.contributedBy !== interaction.user.id) {
        await this.policy.assertPoolRole(actor, diagnosis.registration.poolId, 'viewer');
      }
      return { embeds: [diagnosisEmbed(diagnosis, this.context(guildId))], ephemeral: true };
    });
  }

  /**
   * Runs a handler through the interaction pipeline (throttle, input limits, idempotency for
   * `mutation`s) with `/agents` error sentences.
   */
  private run(
    interaction: ChatInputCommandInteraction,
    mutation: boolean,
    handler: (handle: InteractionHandle) => CommandReply | Promise<CommandReply>,
  ) {
    return this.responder.run(
      interaction,
      'agents',
      async (handle) => {
        try {
          return await handler(handle);
        } catch (error) {
          throw toAgentsReplyError(error);
        }
      },
      { mutation },
    );
  }

  /**
   * The deploy's invite links as link buttons (≤ 5 per row, 5 rows per message — Discord
   * components limits), one follow-up per 25 invites, the first also carrying every URL as a file.
   */
  private async sendInvites(interaction: ChatInputCommandInteraction, result: DeployResult): Promise<void> {
    const invites = result.plan.invites;
    if (invites.length === 0) return;
    const pages = Math.ceil(invites.length / INVITES_PER_MESSAGE);
    try {
      for (let page = 0; page < pages; page += 1) {
        const slice = invites.slice(page * INVITES_PER_MESSAGE, (page + 1) * INVITES_PER_MESSAGE);
        const rows: ActionRowBuilder<ButtonBuilder>[] = [];
        for (let i = 0; i < slice.length; i += BUTTONS_PER_ROW) {
          rows.push(
            new ActionRowBuilder<ButtonBuilder>().addComponents(
              slice.slice(i, i + BUTTONS_PER_ROW).map((invite, j) =>
                new ButtonBuilder()
                  .setStyle(ButtonStyle.Link)
                  .setURL(invite.url)
                  .setLabel(`Invite ${page * INVITES_PER_MESSAGE + i + j + 1}`),
              ),
            ),
          );
        }
        const first = page * INVITES_PER_MESSAGE + 1;
        const file =
          page === 0
            ? [
                new AttachmentBuilder(Buffer.from(`${invites.map((invite) => invite.url).join('\n')}\n`), {
                  name: `agent-invites-${result.plan.guildId}.txt`,
                }),
              ]
            : [];
        await interaction.followUp({
          content: `Invites ${first}–${first + slice.length - 1} of ${invites.length} (page ${page + 1} of ${pages})${page === 0 ? ' · all links are in the attached file' : ''}`,
          components: rows,
          files: file,
          flags: MessageFlags.Ephemeral,
        });
      }
    } catch (error) {
      this.logger.warn(
        `could not send deploy invites for interaction ${interaction.id}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /**
   * The common start of `/agents set_status|revoke`: checks the guild and the `agent` option,
   * defers ephemerally and loads the agent's registration.
   * @throws AgentsCommandException GUILD_ONLY, AGENT_INVALID; PoolsException AGENT_NOT_FOUND
   */
  private async deferRegistration(
    interaction: ChatInputCommandInteraction,
    handle: InteractionHandle,
    agent: string,
  ): Promise<AgentRegistrationView> {
    this.guildOf(interaction);
    const agentId = parseAgent(agent);
    await handle.defer({ ephemeral: true });
    return this.registrations.get(agentId);
  }

  /**
   * Ends a session the way its own command would (the agent leaves voice), then frees it;
   * `actor` (the admin) is recorded as who released it.
   */
  private async end(session: Session, actor: string): Promise<void> {
    if (session.kind === 'music') await this.musicSessions.stop(session, actor);
    else await this.assistantSessions.leave(session, actor);
  }

  /** The user's own pool when they have one, else the guild's selected pool. */
  private async defaultContributionPool(userId: string, guildId: string): Promise<string> {
    const own = `pool_${userId}`;
    try {
      await this.pools.get(own);
      return own;
    } catch (error) {
      if (!(error instanceof PoolsException) || error.code !== PoolsExceptionCode.PoolNotFound) throw error;
    }
    const selected = (await this.guildSettings.get(guildId)).selectedPoolId;
    if (!selected) throw new AgentsCommandException(AgentsCommandErrorCode.PoolRequired, 'no pool');
    return selected;
  }

  private guildOf(interaction: ChatInputCommandInteraction): string {
    if (!interaction.guildId) throw new AgentsCommandException(AgentsCommandErrorCode.GuildOnly, 'no guild');
    return interaction.guildId;
  }

  /** The pools context's actor: bot owners act as operators; the interaction id is the request id. */
  private poolsActor(interaction: ChatInputCommandInteraction): Actor {
    return poolsActorOf(interaction, this.policy.isBotOwner(interaction.user.id));
  }

  /** The voice channel option, else the user's current voice channel. */
  private voiceChannelOf(interaction: ChatInputCommandInteraction, option: ChannelOptionValue): string {
    if (option) {
      if (option.type !== ChannelType.GuildVoice && option.type !== ChannelType.GuildStageVoice) {
        throw new AgentsCommandException(
          AgentsCommandErrorCode.NotVoiceChannel,
          option.id,
          `<#${option.id}>`,
        );
      }
      return option.id;
    }
    const guild = interaction.guildId ? this.client.guilds.cache.get(interaction.guildId) : undefined;
    const current = guild?.voiceStates.cache.get(interaction.user.id)?.channelId ?? null;
    if (!current) throw new AgentsCommandException(AgentsCommandErrorCode.VoiceChannelRequired, 'no channel');
    return current;
  }

  private context(guildId: string): AgentsReplyContext {
    return {
      channelName: (voiceChannelId) => voiceChannelName(this.client, guildId, voiceChannelId),
      agentMention: (agentId) => this.agentMention(agentId),
    };
  }

  /** `<@bot user id>`: the live agent's, else its client id (a bot shares its application's id). */
  private agentMention(agentId: string): string {
    return `<@${this.overview.liveAgent(agentId)?.botUserId ?? agentId.replace(/^agent/, '')}>`;
  }
}

/**
 * `agent<client id>`, `<@id>` or a bare client id → the agent id.
 * @throws AgentsCommandException AGENT_INVALID
 */
export function parseAgent(text: string): string {
  const match = AGENT_REFERENCE.exec(text.trim());
  if (!match) throw new AgentsCommandException(AgentsCommandErrorCode.AgentInvalid, 'agent reference');
  return `agent${match[1] ?? match[2] ?? match[3]}`;
}

/**
 * The idle-release override of `/agents idle_policy`: exactly one of `minutes` (→ seconds),
 * `use_default:true` (→ null) or `disable:true` (→ 0).
 * @throws AgentsCommandException IDLE_POLICY_CHOICE, IDLE_POLICY_MINUTES
 */
export function idleSecondsFrom(options: AgentsIdlePolicyDto): number | null {
  const chosen = [options.minutes, options.useDefault, options.disable].filter(
    (value) => value !== undefined && value !== null,
  );
  if (chosen.length !== 1) {
    throw new AgentsCommandException(AgentsCommandErrorCode.IdlePolicyChoice, `${chosen.length} options`);
  }
  if (options.useDefault !== undefined && options.useDefault !== null) {
    if (!options.useDefault)
      throw new AgentsCommandException(AgentsCommandErrorCode.IdlePolicyChoice, 'use_default false');
    return null;
  }
  if (options.disable !== undefined && options.disable !== null) {
    if (!options.disable)
      throw new AgentsCommandException(AgentsCommandErrorCode.IdlePolicyChoice, 'disable false');
    return 0;
  }
  const minutes = options.minutes as number;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > IDLE_POLICY_MAX_MINUTES) {
    throw new AgentsCommandException(AgentsCommandErrorCode.IdlePolicyMinutes, `minutes ${minutes}`);
  }
  return minutes * 60;
}

function formatMinutes(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
