import { EmbedBuilder, escapeMarkdown } from 'discord.js';
import { AccessDeniedException } from '@app/access';
import {
  type AgentPool,
  type AgentRegistrationView,
  AgentStatus,
  type PoolContribution,
  PoolsException,
  PoolsExceptionCode,
  type PoolMember,
  PoolVisibility,
} from '@app/pools';
import { accessRefusalStatus, CommandReplyError, poolsRefusalStatus } from '../discord';
import { isDatabaseUnavailable } from './database-unavailable';
import {
  CONTRIBUTION_ID_LENGTH,
  MAX_LIST_LINES,
  POOL_NAME_MAX_LENGTH,
  POOL_SPECIALTY_MAX_LENGTH,
  POOLS_EMBED_COLOR,
} from './pools-commands.constants';
import { PoolsCommandErrorCode, PoolsCommandException } from './pools-commands.exception';

/** The sentence for Postgres being unreachable (ACCEPTANCE C5: clear answer, nothing half-written). */
export const POOLS_DATABASE_UNAVAILABLE_SENTENCE =
  'The pools database is temporarily unavailable, so nothing was changed. Please try again in a minute.';

/** Agents occupying one of a pool's `max_agents` slots (pending and revoked ones do not). */
const COUNTED_STATUSES: readonly AgentStatus[] = Object.values(AgentStatus).filter(
  (status) => status !== AgentStatus.Revoked && status !== AgentStatus.Pending,
);

/** What a pool's detail view shows besides the pool row. */
export interface PoolDetails {
  agents: readonly AgentRegistrationView[];
  members: number;
  pendingContributions: number;
  /** The viewer's role, or null (bot owners and strangers of a public pool). */
  viewerRole: string | null;
  /** True when the pool is the current guild's default (`/pools select`). */
  guildDefault: boolean;
}

function visibilityLabel(visibility: PoolVisibility): string {
  return visibility === PoolVisibility.Public ? 'public' : 'private';
}

function poolTitle(pool: AgentPool): string {
  return escapeMarkdown(pool.name);
}

function listLines(lines: string[], empty: string): string {
  if (lines.length === 0) return empty;
  const shown = lines.slice(0, MAX_LIST_LINES);
  if (lines.length > shown.length) shown.push(`… and ${lines.length - shown.length} more`);
  return shown.join('\n');
}

/** The answer to `/pools create` (ACCEPTANCE K1). */
export function poolCreatedEmbed(pool: AgentPool): EmbedBuilder {
  return new EmbedBuilder()
    .setColor(POOLS_EMBED_COLOR.success)
    .setTitle('Pool created')
    .setDescription(
      `**${poolTitle(pool)}** (\`${pool.id}\`) is yours — you are its owner.\nAdd agents with /agents add_token, share it with /pools visibility, or make it this server's default with /pools select.`,
    )
    .addFields(
      { name: 'Visibility', value: visibilityLabel(pool.visibility), inline: true },
      { name: 'Max agents', value: String(pool.maxAgents), inline: true },
      { name: 'Tokens per contributor', value: String(pool.maxContributionsPerUser), inline: true },
    );
}

/** The answer to `/pools info`. */
export function poolInfoEmbed(pool: AgentPool, details: PoolDetails): EmbedBuilder {
  const counted = details.agents.filter((agent) => COUNTED_STATUSES.includes(agent.status));
  const active = counted.filter((agent) => agent.status === AgentStatus.Active).length;
  const full = counted.length >= pool.maxAgents;
  const embed = new EmbedBuilder()
    .setColor(full || details.pendingContributions > 0 ? POOLS_EMBED_COLOR.warning : POOLS_EMBED_COLOR.info)
    .setTitle(poolTitle(pool))
    .setDescription(
      `\`${pool.id}\`${details.guildDefault ? ' · default pool of this server' : ''}${pool.specialty ? ` · ${escapeMarkdown(pool.specialty)}` : ''}`,
    )
    .addFields(
      { name: 'Owner', value: `<@${pool.ownerId}>`, inline: true },
      { name: 'Visibility', value: visibilityLabel(pool.visibility), inline: true },
      { name: 'Your role', value: details.viewerRole ?? 'none', inline: true },
      {
        name: 'Agents',
        value: `${counted.length} of ${pool.maxAgents}${full ? ' (full)' : ''} · ${active} active`,
        inline: true,
      },
      { name: 'Members', value: String(details.members), inline: true },
      { name: 'Tokens per contributor', value: String(pool.maxContributionsPerUser), inline: true },
    );
  if (details.pendingContributions > 0) {
    embed.addFields({
      name: 'Pending contributions',
      value: `${details.pendingContributions} waiting — review them with /pools contributions list.`,
    });
  }
  return embed;
}

/** The answer to `/pools list`: pools the user can see, their role and the guild default marked. */
export function poolListEmbed(
  pools: readonly AgentPool[],
  roles: ReadonlyMap<string, string>,
  guildDefault: string | null,
): EmbedBuilder {
  const lines = pools.map((pool) => {
    const role = roles.get(pool.id);
    const marks = [visibilityLabel(pool.visibility), ...(role ? [`you: ${role}`] : [])];
    if (pool.id === guildDefault) marks.push('server default');
    return `**${poolTitle(pool)}** — \`${pool.id}\` · ${marks.join(' · ')}`;
  });
  return new EmbedBuilder()
    .setColor(POOLS_EMBED_COLOR.info)
    .setTitle(`Pools you can use (${pools.length})`)
    .setDescription(listLines(lines, 'No pools yet — create yours with /pools create.'));
}

/** The answer to `/pools members list`. */
export function poolMembersEmbed(pool: AgentPool, members: readonly PoolMember[]): EmbedBuilder {
  return new EmbedBuilder()
    .setColor(POOLS_EMBED_COLOR.info)
    .setTitle(`Members of ${poolTitle(pool)}`)
    .setDescription(
      listLines(
        members.map((member) => `<@${member.userId}> — ${member.role}`),
        'No members.',
      ),
    )
    .setFooter({ text: pool.id });
}

/** The answer to `/pools contributions list`: pending tokens waiting for a decision. */
export function poolContributionsEmbed(
  pool: AgentPool,
  pending: readonly PoolContribution[],
  agents: ReadonlyMap<string, AgentRegistrationView>,
): EmbedBuilder {
  const lines = pending.map((contribution) => {
    const agent = agents.get(contribution.agentId);
    const what = agent
      ? `**${escapeMarkdown(agent.tag)}** (\`${agent.agentId}\`)`
      : `\`${contribution.agentId}\``;
    const when = Math.floor(contribution.createdAt.getTime() / 1000);
    return `\`${contribution.id}\` — ${what} from <@${contribution.userId}>, <t:${when}:R>`;
  });
  return new EmbedBuilder()
    .setColor(pending.length > 0 ? POOLS_EMBED_COLOR.warning : POOLS_EMBED_COLOR.info)
    .setTitle(`Pending contributions to ${poolTitle(pool)} (${pending.length})`)
    .setDescription(
      listLines(lines, 'Nothing is waiting for a decision.') +
        (pending.length > 0 ? '\n\nDecide with /pools contributions approve or reject.' : ''),
    )
    .setFooter({ text: pool.id });
}

/** A change was made: a green embed with a title and one or two sentences. */
export function poolChangedEmbed(title: string, description: string): EmbedBuilder {
  return new EmbedBuilder().setColor(POOLS_EMBED_COLOR.success).setTitle(title).setDescription(description);
}

/** The sentence for a refused `/pools` precondition (exhaustive over its codes). */
export function poolsCommandSentence(error: PoolsCommandException): string {
  const subject = error.subject ?? '';
  switch (error.code) {
    case PoolsCommandErrorCode.GuildOnly:
      return '/pools works in a server, not in direct messages.';
    case PoolsCommandErrorCode.PoolIdInvalid:
      return 'Pick a pool from the list, or type its id (`pool_<owner id>`).';
    case PoolsCommandErrorCode.ContributionIdInvalid:
      return `Pick a contribution from the list, or paste its id (${CONTRIBUTION_ID_LENGTH} characters, from /pools contributions list).`;
    case PoolsCommandErrorCode.NameInvalid:
      return `The pool name must be 1–${POOL_NAME_MAX_LENGTH} printable characters.`;
    case PoolsCommandErrorCode.SpecialtyInvalid:
      return `The specialty must be 1–${POOL_SPECIALTY_MAX_LENGTH} printable characters.`;
    case PoolsCommandErrorCode.UserIsBot:
      return `${subject} is a bot; pool roles are for people.`;
  }
}

/** The sentence for a pools refusal: the service's own sentence, with a hint where one helps. */
function poolsSentence(error: PoolsException): string {
  switch (error.code) {
    case PoolsExceptionCode.PoolNotFound:
      return `${error.message} See the pools you can use with /pools list.`;
    case PoolsExceptionCode.PoolAtCapacity:
      return `${error.message} Approving would exceed the pool's limit; revoke an agent first (/agents revoke).`;
    case PoolsExceptionCode.PoolNotEmpty:
      return `${error.message} Revoke them with /agents revoke, then delete the pool.`;
    case PoolsExceptionCode.EmbeddedDatabaseUnavailable:
      return POOLS_DATABASE_UNAVAILABLE_SENTENCE;
    default:
      return error.message;
  }
}

/**
 * Turns a known `/pools` failure into a {@link CommandReplyError} carrying its sentence (policy
 * refusals, pools refusals, input limits, Postgres unavailable); returns `error` unchanged when it
 * is unknown (the responder then answers generically with a logged error id).
 */
export function toPoolsReplyError(error: unknown): unknown {
  if (error instanceof CommandReplyError) return error;
  if (error instanceof PoolsCommandException)
    return new CommandReplyError(poolsCommandSentence(error), 'invalid');
  if (error instanceof AccessDeniedException)
    return new CommandReplyError(error.message, accessRefusalStatus(error.code));
  if (error instanceof PoolsException)
    return new CommandReplyError(poolsSentence(error), poolsRefusalStatus(error.code));
  if (isDatabaseUnavailable(error))
    return new CommandReplyError(POOLS_DATABASE_UNAVAILABLE_SENTENCE, 'error');
  return error;
}
