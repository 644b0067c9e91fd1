import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import {
  type ChatInputCommandInteraction,
  DiscordAPIError,
  type EmbedBuilder,
  type InteractionEditReplyOptions,
  type InteractionReplyOptions,
  MessageFlags,
} from 'discord.js';
import { withLogContext } from '@app/lifecycle';
import { ChopsticksMetrics } from '@app/metrics';
import { CommandThrottle, IdempotencyGuard, type MutationClaim } from '@app/ratelimits';
import { checkInputLimits, requestFingerprint } from './command-input-limits';

/** Top-level slash commands, as labelled in `chopsticks_command*` metrics. */
export type CommandName = 'agents' | 'pools' | 'music' | 'assistant' | 'fun';

/**
 * Final status of a handled command (`chopsticks_commands_total{status}`): `refused` is an
 * expected refusal (no agent could be allocated: none in the guild, none free, pool not
 * accessible), not an error — only `error` counts toward ChopsticksCommandErrorRateHigh.
 */
export type CommandStatus = 'ok' | 'error' | 'refused' | 'denied' | 'invalid' | 'rate-limited' | 'duplicate';

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

/** Options of {@link InteractionResponder.run}. */
export interface RunOptions {
  /**
   * The command changes state (creates, assigns, revokes, …): it runs once per interaction id, and
   * a repeat of the user's last request of this command in this guild (same options, channel and
   * voice channel) within `IDEMPOTENCY_WINDOW_SECONDS` is answered as a duplicate without calling
   * the handler.
   */
  mutation?: boolean;
}

/**
 * After this long without an answer the responder defers on the handler's behalf (ms): Discord
 * drops an interaction not acknowledged within 3 s, and the defer itself is a REST round trip.
 */
export const AUTO_DEFER_AFTER_MS = 2000;

const PRIVATE_ANSWER_SENT = 'The answer is private; it was sent only to you.';
const GENERIC_FAILURE = 'Something went wrong on our side while handling this command.';
const LIMITER_UNAVAILABLE =
  'Commands are paused for a moment because our rate limiter cannot reach its store. Please try again in a minute.';

/**
 * Acknowledges one interaction exactly once: a defer in flight is shared, and the final answer
 * waits for it, then edits the deferred reply instead of replying a second time.
 */
class InteractionAck {
  private deferring: Promise<void> | null = null;
  private answering = false;
  /** The watchdog deferred publicly (the handler may have wanted a private answer). */
  private publicByWatchdog = false;

  constructor(private readonly interaction: ChatInputCommandInteraction) {}

  /** True once the final answer has started (the watchdog then stays quiet). */
  get answered(): boolean {
    return this.answering;
  }

  defer(ephemeral: boolean, byWatchdog = false): Promise<void> {
    if (this.deferring) return this.deferring;
    if (this.answering || this.interaction.deferred || this.interaction.replied) return Promise.resolve();
    this.publicByWatchdog = byWatchdog && !ephemeral;
    this.deferring = this.interaction
      .deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {})
      .then(() => undefined);
    return this.deferring;
  }

  /**
   * Gives the final answer: reply, or edit the deferred reply. A private (`ephemeral`) answer —
   * every error sentence is one — after the watchdog's public defer goes out as an ephemeral
   * follow-up and the public placeholder is completed with a neutral sentence, then deleted, so
   * personal content never lands in the channel. After a handler's own public defer the answer
   * (error included) edits the reply: handlers run their look-ups and permission checks before
   * deferring publicly.
   */
  async answer(reply: CommandReply): Promise<void> {
    this.answering = true;
    if (this.deferring) await this.deferring.catch(() => undefined);
    const interaction = this.interaction;
    if (interaction.deferred || interaction.replied) {
      if (this.publicByWatchdog && reply.ephemeral) {
        // The first follow-up after a defer completes the deferred message (Discord: "Followup
        // Messages"), so complete it first; then the private follow-up is a message of its own.
        await interaction.editReply({
          content: PRIVATE_ANSWER_SENT,
          embeds: [],
          allowedMentions: { parse: [] },
        });
        await interaction.followUp({
          content: reply.content,
          embeds: reply.embeds,
          allowedMentions: { parse: [] },
          flags: MessageFlags.Ephemeral,
        });
        await interaction.deleteReply();
        return;
      }
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
}

/**
 * The interaction pipeline of every slash command (SPEC §6): per-user per-command throttle
 * ({@link CommandThrottle}, "try again in N s" with the real remaining time) → a length cap on
 * every string option (before any work; commands check their tighter limits themselves) → for mutations the idempotency guard
 * ({@link IdempotencyGuard}, a repeat is answered as a duplicate) → the handler (which runs its
 * permission checks and calls `handle.defer()` before slow work) → the answer.
 *
 * It acknowledges exactly once (reply, or defer then edit the original response); a watchdog
 * defers on the handler's behalf after {@link AUTO_DEFER_AFTER_MS} so a slow handler still meets
 * Discord's 3 s deadline. Errors are personal: an error after the watchdog's public defer is an
 * ephemeral follow-up and the public placeholder is deleted; after a handler's own defer it edits
 * the reply (handlers defer publicly only once their look-ups and permission checks passed).
 * {@link CommandReplyError}s become their sentence, any other error a generic sentence with an
 * error id that is logged (never a stack trace to the user). Records
 * `chopsticks_command_duration_seconds{command}` and `chopsticks_commands_total{command,status}`.
 */
@Injectable()
export class InteractionResponder {
  private readonly logger = new Logger(InteractionResponder.name);

  constructor(
    private readonly metrics: ChopsticksMetrics,
    private readonly throttle: CommandThrottle,
    private readonly idempotency: IdempotencyGuard,
  ) {}

  /**
   * @param interaction the chat input interaction (not yet acknowledged)
   * @param command top-level command for metrics and limits
   * @param handler quick checks, then `handle.defer()` before slow work, then the reply
   * @param options `mutation: true` for commands that change state (idempotency guard)
   * @returns the final status
   */
  run(
    interaction: ChatInputCommandInteraction,
    command: CommandName,
    handler: (handle: InteractionHandle) => Promise<CommandReply>,
    options: RunOptions = {},
  ): Promise<CommandStatus> {
    // Everything logged while the interaction is handled carries its id (correlation, SPEC §8).
    const context = { interactionId: interaction.id, command, guildId: interaction.guildId ?? undefined };
    return withLogContext(context, () => this.runInContext(interaction, command, handler, options));
  }

  private async runInContext(
    interaction: ChatInputCommandInteraction,
    command: CommandName,
    handler: (handle: InteractionHandle) => Promise<CommandReply>,
    options: RunOptions,
  ): Promise<CommandStatus> {
    const started = process.hrtime.bigint();
    const ack = new InteractionAck(interaction);
    const handle: InteractionHandle = {
      defer: (deferOptions = {}) => ack.defer(deferOptions.ephemeral === true),
    };
    const watchdog = setTimeout(() => {
      if (ack.answered) return;
      ack.defer(false, true).catch((error: unknown) => {
        this.logger.warn(`could not defer interaction ${interaction.id} (/${command}): ${describe(error)}`);
      });
    }, AUTO_DEFER_AFTER_MS);
    watchdog.unref();
    let status: CommandStatus = 'ok';
    let claim: MutationClaim | null = null;
    try {
      let reply: CommandReply;
      try {
        const admission = await this.admit(interaction, command, options);
        if ('refusal' in admission) {
          status = admission.refusal.status;
          reply = { content: admission.refusal.content, ephemeral: true };
        } else {
          claim = admission.claim;
          reply = await handler(handle);
        }
      } catch (error) {
        // Nothing took effect (writes are transactional): let the person retry the same request now.
        if (claim) await this.idempotency.release(claim);
        status = error instanceof CommandReplyError ? error.status : 'error';
        const content =
          error instanceof CommandReplyError ? error.message : this.unexpected(interaction, command, error);
        reply = { content, ephemeral: true };
      }
      try {
        await ack.answer(reply);
      } catch (answerError) {
        if (status === 'ok' && !interactionGone(answerError)) {
          // Discord refused the answer itself (e.g. 50035 Invalid Form Body): say so instead.
          status = 'error';
          reply = { content: this.unexpected(interaction, command, answerError), ephemeral: true };
          await ack
            .answer(reply)
            .catch((retryError: unknown) => this.cannotAnswer(interaction, command, retryError));
        } else {
          this.cannotAnswer(interaction, command, answerError);
        }
      }
    } finally {
      clearTimeout(watchdog);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.commandDuration.observe({ command }, seconds);
      this.metrics.commands.inc({ command, status });
    }
    return status;
  }

  /**
   * Throttle → input limits → idempotency. Either a refusal to answer instead of running the
   * handler, or admission with the mutation's idempotency claim (null for reads).
   */
  private async admit(
    interaction: ChatInputCommandInteraction,
    command: CommandName,
    options: RunOptions,
  ): Promise<{ refusal: { status: CommandStatus; content: string } } | { claim: MutationClaim | null }> {
    const decision = await this.throttle.consume(interaction.user.id, command);
    if (!decision.allowed) {
      return {
        refusal:
          decision.reason === 'limited'
            ? {
                status: 'rate-limited',
                content: `You're using /${command} too quickly — try again in ${decision.retryAfterSeconds} s.`,
              }
            : { status: 'error', content: LIMITER_UNAVAILABLE },
      };
    }
    const invalid = checkInputLimits(interaction.options.data);
    if (invalid) return { refusal: { status: 'invalid', content: invalid } };
    if (!options.mutation) return { claim: null };
    const claim: MutationClaim = {
      interactionId: interaction.id,
      userId: interaction.user.id,
      guildId: interaction.guildId,
      command,
      fingerprint: requestFingerprint(interaction.options.data, {
        channelId: interaction.channelId,
        voiceChannelId: interaction.guild?.voiceStates.cache.get(interaction.user.id)?.channelId ?? null,
      }),
    };
    switch (await this.idempotency.claim(claim)) {
      case 'first':
        return { claim };
      case 'duplicate':
        return {
          refusal: {
            status: 'duplicate',
            content: `This /${command} request was already handled a moment ago, so nothing was done again.`,
          },
        };
      case 'unavailable':
        return { refusal: { status: 'error', content: LIMITER_UNAVAILABLE } };
    }
  }

  private cannotAnswer(interaction: ChatInputCommandInteraction, command: string, error: unknown): void {
    this.logger.warn(`could not answer interaction ${interaction.id} (/${command}): ${describe(error)}`);
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

/**
 * 10062 Unknown interaction (the 3 s or 15 min window passed) and 40060 Interaction has already
 * been acknowledged (e.g. a redelivered dispatch): nothing more can be said on this interaction —
 * Discord JSON error codes.
 */
function interactionGone(error: unknown): boolean {
  return error instanceof DiscordAPIError && (error.code === 10062 || error.code === 40060);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
