import type { ProtocolErrorCode } from '@app/protocol';
import type { AllocationFailureReason, BusyAgent } from '@app/sessions';

/** Why an `/assistant` command cannot go ahead before any agent is asked. */
export enum AssistantErrorCode {
  /** The command was used outside a guild (DM). */
  GuildOnly = 'guild-only',
  /** The invoking user is not in a voice channel of this guild. */
  UserNotInVoice = 'user-not-in-voice',
  /** The text to say is blank or longer than {@link ASSISTANT_SAY_MAX_LENGTH}. */
  InvalidText = 'invalid-text',
}

/** An `/assistant` precondition failed; mapped to a sentence in `assistant-replies.ts`. */
export class AssistantException extends Error {
  constructor(
    readonly code: AssistantErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AssistantException';
  }
}

/** Allocation for `/assistant join` failed: no agent could be bound to the channel. */
export class AssistantAllocationException extends Error {
  constructor(
    readonly reason: AllocationFailureReason,
    readonly busy: readonly BusyAgent[],
  ) {
    super(`allocation failed: ${reason}`);
    this.name = 'AssistantAllocationException';
  }
}

/**
 * No assistant session for the user's voice channel: `no-session` (never joined or released), or
 * `agent-offline` (its agent went away).
 */
export class AssistantSessionMissingException extends Error {
  constructor(
    readonly code: ProtocolErrorCode.NoSession | ProtocolErrorCode.AgentOffline,
    readonly agentId: string | null,
  ) {
    super(`no assistant session: ${code}`);
    this.name = 'AssistantSessionMissingException';
  }
}
