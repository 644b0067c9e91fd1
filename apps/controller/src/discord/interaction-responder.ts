import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import {
  type ChatInputCommandInteraction,
  type EmbedBuilder,
  type InteractionEditReplyOptions,
  type InteractionReplyOptions,
  MessageFlags,
} from 'discord.js';
import { ChopsticksMetrics } from '@app/metrics';

/** Top-level slash commands, as labelled in `chopsticks_command*` metrics. */
export type CommandName = 'agents' | 'pools' | 'music' | 'assistant' | 'fun';

/** Final status of a handled command (`chopsticks_commands_total{status}`). */
export type CommandStatus = 'ok' | 'error' | 'denied' | 'invalid';

/** What a handler answers: text and/or embeds; `ephemeral` only applies before a public defer. */
export interface CommandReply {
  content?: string;
  embeds?: EmbedBuilder[];
  ephemeral?: boolean;
}

/**
 * An error whose message is a complete sentence meant for the person who ran the command
 * (explains and suggests). `status` labels the command metric.
 */
export class CommandReplyError extends Error {
  constructor(
    message: string,
    readonly status: Exclude<CommandStatus, 'ok'> = 'error',
  ) {
    super(message);
    this.name = 'CommandReplyError';
  }
}

/** Handed to a command handler: defer once its quick checks passed and slow work follows. */
export interface InteractionHandle {
  /**
   * Acknowledges with a deferred reply (type 5) unless already acknowledged. Discord requires the
   * first answer within 3 s of the interaction and accepts exactly one (10062 Unknown interaction
   * after the deadline, 40060 already acknowledged — Discord interactions docs).
   */
  defer(options?: { ephemeral?: boolean }): Promise<void>;
}

const GENERIC_FAILURE = 'Something went wrong on our side while handling this command.';

/**
 * The answer half of the interaction pipeline: runs a handler, acknowledges exactly once (reply,
 * or defer then edit the original response), turns {@link CommandReplyError}s into their
 * sentence and any other error into a generic sentence with an error id that is logged (never a
 * stack trace to the user), and records `chopsticks_command_duration_seconds{command}` and
 * `chopsticks_commands_total{command,status}`.
 */
@Injectable()
export class InteractionResponder {
  private readonly logger = new Logger(InteractionResponder.name);

  constructor(private readonly metrics: ChopsticksMetrics) {}

  /**
   * @param interaction the chat input interaction (not yet acknowledged)
   * @param command top-level command for metrics
   * @param handler quick checks, then `handle.defer()` before slow work, then the reply
   * @returns the final status
   */
  async run(
    interaction: ChatInputCommandInteraction,
    command: CommandName,
    handler: (handle: InteractionHandle) => Promise<CommandReply>,
  ): Promise<CommandStatus> {
    const started = process.hrtime.bigint();
    const handle: InteractionHandle = {
      defer: async (options = {}) => {
        if (interaction.deferred || interaction.replied) return;
        await interaction.deferReply(options.ephemeral ? { flags: MessageFlags.Ephemeral } : {});
      },
    };
    let status: CommandStatus = 'ok';
    try {
      const reply = await handler(handle);
      await this.answer(interaction, reply);
    } catch (error) {
      status = error instanceof CommandReplyError ? error.status : 'error';
      const content =
        error instanceof CommandReplyError ? error.message : this.unexpected(interaction, command, error);
      try {
        await this.answer(interaction, { content, ephemeral: true });
      } catch (answerError) {
        this.logger.warn(
          `could not answer interaction ${interaction.id} (/${command}): ${describe(answerError)}`,
        );
      }
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.commandDuration.observe({ command }, seconds);
      this.metrics.commands.inc({ command, status });
    }
    return status;
  }

  private async answer(interaction: ChatInputCommandInteraction, reply: CommandReply): Promise<void> {
    if (interaction.deferred || interaction.replied) {
      const edit: InteractionEditReplyOptions = {
        content: reply.content ?? '',
        embeds: reply.embeds ?? [],
      };
      await interaction.editReply({ ...edit, allowedMentions: { parse: [] } });
      return;
    }
    const options: InteractionReplyOptions = {
      content: reply.content,
      embeds: reply.embeds,
      allowedMentions: { parse: [] },
      ...(reply.ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
    };
    await interaction.reply(options);
  }

  private unexpected(interaction: ChatInputCommandInteraction, command: string, error: unknown): string {
    const errorId = randomUUID().slice(0, 8);
    this.logger.error(
      `/${command} ${interaction.options.getSubcommand(false) ?? ''} failed (error id ${errorId}, interaction ${interaction.id}): ${describe(error)}`,
      error instanceof Error ? error.stack : undefined,
    );
    return `${GENERIC_FAILURE} Please try again in a moment; if it keeps happening, give a server admin this error id: ${errorId}.`;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
