import { AccessDeniedException } from '@app/access';
import { PoolsException, PoolsExceptionCode } from '@app/pools';
import { TokenVerificationError, TokenVerificationFailure } from '../bot-tokens';
import { DeployException, DeployExceptionCode, MAX_AGENTS_PER_GUILD } from '../deploy';
import { accessRefusalStatus, CommandReplyError, poolsRefusalStatus } from '../discord';
import { isDatabaseUnavailable } from '../pools-commands';
import { AGENT_OPTION_MAX_LENGTH, IDLE_POLICY_MAX_MINUTES } from './agents-commands.constants';
import { AgentsCommandErrorCode, AgentsCommandException } from './agents-commands.exception';

/** The sentence for Postgres being unreachable (SPEC §9: a clear error, nothing half-written). */
export const DATABASE_UNAVAILABLE_SENTENCE =
  'The agents database is temporarily unavailable, so nothing was changed. Please try again in a minute.';

/** The sentence for a refused `/agents` precondition (exhaustive over its codes). */
export function agentsCommandSentence(error: AgentsCommandException): string {
  const subject = error.subject ?? '';
  switch (error.code) {
    case AgentsCommandErrorCode.GuildOnly:
      return '/agents works in a server, not in direct messages.';
    case AgentsCommandErrorCode.IdlePolicyChoice:
      return 'Choose exactly one of `minutes`, `use_default` or `disable` for /agents idle_policy.';
    case AgentsCommandErrorCode.IdlePolicyMinutes:
      return `The idle policy must be a whole number of minutes from 1 to ${IDLE_POLICY_MAX_MINUTES}.`;
    case AgentsCommandErrorCode.AgentInvalid:
      return `Name the agent by its id (\`agent<client id>\`), its client id or its mention (at most ${AGENT_OPTION_MAX_LENGTH} characters).`;
    case AgentsCommandErrorCode.AgentNotHere:
      return `${subject} is not connected to this server right now — check it with /agents diagnose.`;
    case AgentsCommandErrorCode.VoiceChannelRequired:
      return 'Join a voice channel or pass the `channel` option.';
    case AgentsCommandErrorCode.NotVoiceChannel:
      return `${subject} is not a voice channel of this server.`;
    case AgentsCommandErrorCode.NoSession:
      return `No live session matches ${subject} — see /agents sessions.`;
    case AgentsCommandErrorCode.PoolRequired:
      return 'Pass the `pool` option, or have a server admin choose a default pool with /pools select.';
    case AgentsCommandErrorCode.DesiredTotalInvalid:
      return `The desired total must be a whole number from 0 to ${MAX_AGENTS_PER_GUILD}.`;
    case AgentsCommandErrorCode.TokenInvalid:
      return 'That does not look like a Discord bot token. Copy it from the Bot page of your application in the Discord Developer Portal.';
  }
}

/** The sentence for a refused deploy plan (ACCEPTANCE D1, D4; exhaustive over the codes). */
export function deploySentence(error: DeployException): string {
  switch (error.code) {
    case DeployExceptionCode.DesiredTotalTooHigh:
      return `A server can hold at most ${MAX_AGENTS_PER_GUILD} agents (Discord allows 50 bots and the Chopsticks controller is one) — choose a desired total from 0 to ${MAX_AGENTS_PER_GUILD}. No invites were created.`;
    case DeployExceptionCode.InvalidInput:
      return error.message;
    case DeployExceptionCode.PoolNotAccessible:
      return 'That pool does not exist or is private and you are not one of its members — pick a pool with /agents advisor.';
    case DeployExceptionCode.VerificationDisabled:
      return 'Deploy verification is not configured on this controller (no Redis).';
    case DeployExceptionCode.JobNotFound:
      return 'That deploy job is unknown or expired.';
  }
}

/** The sentence for a failed token verification; never names the token. */
export function tokenVerificationSentence(error: TokenVerificationError): string {
  switch (error.reason) {
    case TokenVerificationFailure.Rejected:
      return 'Discord rejected that token (401 Unauthorized): it is wrong or was reset. Nothing was stored — copy a fresh token from the Developer Portal.';
    case TokenVerificationFailure.Mismatch:
      return `Discord says that token belongs to a different application than expected. Nothing was stored.`;
    case TokenVerificationFailure.Unreachable:
      return 'Discord could not be reached to verify the token. Nothing was stored — please try again in a minute.';
    case TokenVerificationFailure.Unexpected:
      return 'Discord gave an unexpected answer while verifying the token. Nothing was stored — please try again in a minute.';
  }
}

/** The sentence for a pools refusal: the service's own sentence, with a hint where one helps. */
function poolsSentence(error: PoolsException): string {
  switch (error.code) {
    case PoolsExceptionCode.AgentRevoked:
      return `${error.message} Register a new token with /agents add_token.`;
    case PoolsExceptionCode.EmbeddedDatabaseUnavailable:
      return DATABASE_UNAVAILABLE_SENTENCE;
    case PoolsExceptionCode.AgentNotFound:
      return `${error.message} See /agents list_tokens for your agents.`;
    default:
      return error.message;
  }
}

/**
 * Turns a known `/agents` failure into a {@link CommandReplyError} carrying its sentence; returns
 * `error` unchanged when it is unknown (the responder then answers generically with an error id).
 */
export function toAgentsReplyError(error: unknown): unknown {
  if (error instanceof CommandReplyError) return error;
  if (error instanceof AgentsCommandException) {
    return new CommandReplyError(agentsCommandSentence(error), 'invalid');
  }
  if (error instanceof AccessDeniedException) {
    return new CommandReplyError(error.message, accessRefusalStatus(error.code));
  }
  if (error instanceof PoolsException) {
    return new CommandReplyError(poolsSentence(error), poolsRefusalStatus(error.code));
  }
  if (error instanceof DeployException) {
    const status = error.code === DeployExceptionCode.PoolNotAccessible ? 'denied' : 'invalid';
    return new CommandReplyError(deploySentence(error), status);
  }
  if (error instanceof TokenVerificationError) {
    return new CommandReplyError(tokenVerificationSentence(error), 'invalid');
  }
  if (isDatabaseUnavailable(error)) return new CommandReplyError(DATABASE_UNAVAILABLE_SENTENCE, 'error');
  return error;
}
