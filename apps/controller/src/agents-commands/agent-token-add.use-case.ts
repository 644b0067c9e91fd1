import { Inject, Injectable, Logger } from '@nestjs/common';
import { Client, EmbedBuilder } from 'discord.js';
import {
  type AgentRegistrationView,
  AgentRegistrationsService,
  type AgentPool,
  type PoolContribution,
  PoolsService,
} from '@app/pools';
import { verifyBotToken } from '../bot-tokens';
import {
  AGENTS_COMMANDS_OPTIONS,
  AGENTS_EMBED_COLOR,
  type AgentsCommandsOptions,
} from './agents-commands.constants';
import { AgentsCommandErrorCode, AgentsCommandException } from './agents-commands.exception';

/** Input of {@link AgentTokenAddUseCase.execute}. `token` is the bot token in clear. */
export interface AgentTokenAddInput {
  token: string;
  poolId: string;
  /** Discord user contributing the token. */
  userId: string;
  /** Interaction id, copied into the audit event. */
  requestId: string;
}

/** Result of {@link AgentTokenAddUseCase.execute}; never the token. */
export interface AgentTokenAddResult {
  agent: AgentRegistrationView;
  pool: AgentPool;
  /** The pending contribution when the pool belongs to someone else (it awaits approval). */
  contribution: PoolContribution | null;
  /** Whether the pool owner got a direct message about the pending contribution. */
  ownerNotified: boolean;
}

/** Discord bot tokens: three base64url parts separated by dots. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$/;

/**
 * `/agents add_token` (SPEC §6): checks the token's shape and the pool's visibility, verifies
 * the token with Discord (the bot user and its application) before anything is stored, registers
 * it encrypted (`active` in the contributor's own or managed pool, `pending` with a contribution
 * row elsewhere — the per-user cap and pool capacity are checked by the registration before any
 * write), and tells the pool owner about a pending contribution by direct message.
 */
@Injectable()
export class AgentTokenAddUseCase {
  private readonly logger = new Logger(AgentTokenAddUseCase.name);

  constructor(
    private readonly registrations: AgentRegistrationsService,
    private readonly pools: PoolsService,
    private readonly client: Client,
    @Inject(AGENTS_COMMANDS_OPTIONS) private readonly options: AgentsCommandsOptions,
  ) {}

  /**
   * @throws AgentsCommandException TOKEN_INVALID (shape); PoolsException POOL_NOT_FOUND (also for
   *   a private pool the user is not a member of), AGENT_EXISTS, AGENT_REVOKED, CONTRIBUTION_CAP,
   *   POOL_AT_CAPACITY; TokenVerificationError when Discord refuses or cannot be reached
   */
  async execute(input: AgentTokenAddInput): Promise<AgentTokenAddResult> {
    const token = input.token.trim();
    if (!TOKEN_SHAPE.test(token)) {
      throw new AgentsCommandException(AgentsCommandErrorCode.TokenInvalid, 'token shape');
    }
    const pool = await this.pools.get(input.poolId, input.userId);
    const verified = await verifyBotToken(this.options.discordApiUrl, token);
    const tag = (verified.username || verified.applicationName || `agent ${verified.applicationId}`).slice(
      0,
      64,
    );
    const { agent, contribution } = await this.registrations.register(
      { poolId: pool.id, clientId: verified.applicationId, tag, token },
      { id: input.userId, requestId: input.requestId },
    );
    const ownerNotified = contribution ? await this.notifyOwner(pool, agent, input.userId) : false;
    return { agent, pool, contribution, ownerNotified };
  }

  private async notifyOwner(pool: AgentPool, agent: AgentRegistrationView, userId: string): Promise<boolean> {
    const embed = new EmbedBuilder()
      .setColor(AGENTS_EMBED_COLOR.warning)
      .setTitle('New agent contribution awaits your approval')
      .setDescription(
        `<@${userId}> contributed **${agent.tag}** (\`${agent.agentId}\`) to your pool **${pool.name}** (\`${pool.id}\`). ` +
          'Approve or reject it with /pools contributions.',
      );
    try {
      await this.client.users.send(pool.ownerId, { embeds: [embed] });
      return true;
    } catch (error) {
      this.logger.warn(
        `could not tell pool owner ${pool.ownerId} about contribution ${agent.agentId}: ${error instanceof Error ? error.message : String(error)}`,
      );
      return false;
    }
  }
}
