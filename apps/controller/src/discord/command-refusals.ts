import type { ChatInputCommandInteraction } from 'discord.js';
import { type AccessActor, AccessDeniedCode } from '@app/access';
import { type Actor, PoolsExceptionCode } from '@app/pools';
import type { CommandStatus } from './interaction-responder';

/**
 * The invoking user as the access policy sees them: user id, guild id and the member's
 * permission bitfield (both only when the interaction comes from a guild).
 */
export function accessActorOf(interaction: ChatInputCommandInteraction): AccessActor {
  return {
    userId: interaction.user.id,
    ...(interaction.guildId ? { guildId: interaction.guildId } : {}),
    ...(interaction.memberPermissions ? { guildPermissions: interaction.memberPermissions.bitfield } : {}),
  };
}

/**
 * The invoking user as the pools services see them: `operator` is true for bot owners, and the
 * interaction id is the request id recorded in the audit trail.
 */
export function poolsActorOf(interaction: ChatInputCommandInteraction, operator: boolean): Actor {
  return { id: interaction.user.id, operator, requestId: interaction.id };
}

/**
 * How a pools refusal labels `chopsticks_commands_total{status}`: `denied` for a forbidden
 * action, `invalid` for bad input, `error` otherwise (exhaustive over the codes).
 */
export function poolsRefusalStatus(code: PoolsExceptionCode): Exclude<CommandStatus, 'ok'> {
  switch (code) {
    case PoolsExceptionCode.Forbidden:
      return 'denied';
    case PoolsExceptionCode.InvalidInput:
    case PoolsExceptionCode.InvalidStatusTransition:
      return 'invalid';
    case PoolsExceptionCode.PoolExists:
    case PoolsExceptionCode.PoolNotFound:
    case PoolsExceptionCode.PoolAtCapacity:
    case PoolsExceptionCode.PoolNotEmpty:
    case PoolsExceptionCode.ContributionCap:
    case PoolsExceptionCode.ContributionNotFound:
    case PoolsExceptionCode.ContributionDecided:
    case PoolsExceptionCode.AgentExists:
    case PoolsExceptionCode.AgentNotFound:
    case PoolsExceptionCode.AgentRevoked:
    case PoolsExceptionCode.MemberNotFound:
    case PoolsExceptionCode.InvalidEncryptionKeys:
    case PoolsExceptionCode.TokenUndecryptable:
    case PoolsExceptionCode.RunnerNotFound:
    case PoolsExceptionCode.RunnerRevoked:
    case PoolsExceptionCode.LeaseNotHeld:
    case PoolsExceptionCode.EmbeddedDatabaseUnavailable:
      return 'error';
  }
}

/**
 * How an access-policy refusal labels `chopsticks_commands_total{status}`: `invalid` outside a
 * guild, `denied` for a missing permission or role (exhaustive over the codes).
 */
export function accessRefusalStatus(code: AccessDeniedCode): Exclude<CommandStatus, 'ok'> {
  switch (code) {
    case AccessDeniedCode.GuildOnly:
      return 'invalid';
    case AccessDeniedCode.NotBotOwner:
    case AccessDeniedCode.NotGuildAdmin:
    case AccessDeniedCode.PoolRoleRequired:
      return 'denied';
  }
}
