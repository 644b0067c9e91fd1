import type { ProtocolErrorCode } from '@app/protocol';
import type { AllocationFailureReason, BusyAgent } from '@app/sessions';

/** Why a `/music` command cannot go ahead before any agent is asked. */
export enum MusicErrorCode {
  /** The command was used outside a guild (DM). */
  GuildOnly = 'guild-only',
  /** The invoking user is not in a voice channel of this guild. */
  UserNotInVoice = 'user-not-in-voice',
  /** The query is empty or longer than {@link MUSIC_QUERY_MAX_LENGTH}. */
  InvalidQuery = 'invalid-query',
  /** The volume is outside 0–200. */
  InvalidVolume = 'invalid-volume',
}

/** A `/music` precondition failed; mapped to a sentence in `music-replies.ts`. */
export class MusicException extends Error {
  constructor(
    readonly code: MusicErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MusicException';
  }
}

/** Allocation for `/music play` failed (A2, A3): no agent could be bound to the channel. */
export class MusicAllocationException extends Error {
  constructor(
    readonly reason: AllocationFailureReason,
    readonly busy: readonly BusyAgent[],
  ) {
    super(`allocation failed: ${reason}`);
    this.name = 'MusicAllocationException';
  }
}

/**
 * No music session for the user's voice channel: `no-session` (never started or released), or
 * `agent-offline` (its agent went away; A6).
 */
export class MusicSessionMissingException extends Error {
  constructor(
    readonly code: ProtocolErrorCode.NoSession | ProtocolErrorCode.AgentOffline,
    readonly agentId: string | null,
  ) {
    super(`no music session: ${code}`);
    this.name = 'MusicSessionMissingException';
  }
}
