import { Injectable } from '@nestjs/common';
import type { ChatInputCommandInteraction } from 'discord.js';
import { type AccessActor, AccessPolicy } from '@app/access';
import type { Actor } from '@app/pools';
import {
  accessActorOf,
  type CommandReply,
  type InteractionHandle,
  InteractionResponder,
  poolsActorOf,
  type RunOptions,
} from '../discord';
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
            actor: poolsActorOf(interaction, botOwner),
          });
        } catch (error) {
          throw toPoolsReplyError(error);
        }
      },
      options,
    );
  }

  /**
   * {@link run} for a subcommand that changes state: the responder's idempotency guard runs it
   * once per interaction and per identical request.
   */
  mutate(
    interaction: ChatInputCommandInteraction,
    work: (call: PoolsCall) => Promise<CommandReply>,
  ): Promise<void> {
    return this.run(interaction, work, { mutation: true });
  }
}
