import { Injectable } from '@nestjs/common';
import type { ChatInputCommandInteraction } from 'discord.js';
import { type AccessActor, AccessPolicy } from '@app/access';
import type { Actor } from '@app/pools';
import { type CommandReply, type InteractionHandle, InteractionResponder, type RunOptions } from '../discord';
import { toPoolsReplyError } from './pools-replies';

/** What a `/pools` handler gets: the acknowledge handle and the invoking user as each layer sees them. */
export interface PoolsCall {
  handle: InteractionHandle;
  /** The user for {@link AccessPolicy} checks (guild and member permissions from the interaction). */
  access: AccessActor;
  /** The user for pools services: bot owners act as operators; `requestId` = interaction id. */
  actor: Actor;
  /** True when the user is listed in `BOT_OWNER_IDS` (sees every pool). */
  botOwner: boolean;
}

/** The invoking user as the access policy sees them (guild, member permission bitfield). */
export function accessActorOf(interaction: ChatInputCommandInteraction): AccessActor {
  return {
    userId: interaction.user.id,
    ...(interaction.guildId ? { guildId: interaction.guildId } : {}),
    ...(interaction.memberPermissions ? { guildPermissions: interaction.memberPermissions.bitfield } : {}),
  };
}

/**
 * Runs one `/pools` subcommand through the interaction pipeline ({@link InteractionResponder}:
 * acknowledge once, metrics, errors as sentences) and maps policy refusals, pools refusals and
 * an unreachable database to their sentences (`toPoolsReplyError`).
 */
@Injectable()
export class PoolsCommandRunner {
  constructor(
    private readonly responder: InteractionResponder,
    private readonly policy: AccessPolicy,
  ) {}

  /**
   * @param interaction the `/pools …` interaction (not yet acknowledged)
   * @param work quick checks, `call.handle.defer()`, then the service calls and the reply
   * @param options `mutation: true` when the subcommand changes state (the responder's
   *   idempotency guard then runs it once per interaction and per identical request)
   */
  async run(
    interaction: ChatInputCommandInteraction,
    work: (call: PoolsCall) => Promise<CommandReply>,
    options: RunOptions = {},
  ): Promise<void> {
    await this.responder.run(
      interaction,
      'pools',
      async (handle) => {
        const access = accessActorOf(interaction);
        const botOwner = this.policy.isBotOwner(access.userId);
        try {
          return await work({
            handle,
            access,
            botOwner,
            actor: { id: access.userId, operator: botOwner, requestId: interaction.id },
          });
        } catch (error) {
          throw toPoolsReplyError(error);
        }
      },
      options,
    );
  }
}
