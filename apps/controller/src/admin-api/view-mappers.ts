import type { ApiKeyView, AuditEvent } from '@app/access';
import type { AgentPool, AgentRegistrationView, PoolContribution, PoolMember, RunnerView } from '@app/pools';
import type { AgentRegistry, LiveAgent, Session, SessionRegistry } from '@app/sessions';
import type { ApiKeyResponseDto } from './dto/api-key.dto';
import type { AgentResponseDto } from './dto/agent.dto';
import type { AuditEventDto } from './dto/audit.dto';
import type { LiveAgentDto, SessionDto } from './dto/live.dto';
import type { ContributionResponseDto, PoolMemberResponseDto, PoolResponseDto } from './dto/pool.dto';
import type { RunnerResponseDto } from './dto/runner.dto';

/** Response shapes of the admin API, built field by field so nothing unlisted (e.g. `meta`) leaks. */
export const toPoolDto = (pool: AgentPool): PoolResponseDto => ({
  id: pool.id,
  ownerId: pool.ownerId,
  name: pool.name,
  visibility: pool.visibility,
  maxAgents: pool.maxAgents,
  maxContributionsPerUser: pool.maxContributionsPerUser,
  specialty: pool.specialty,
  createdAt: pool.createdAt,
  updatedAt: pool.updatedAt,
});

export const toMemberDto = (member: PoolMember): PoolMemberResponseDto => ({
  poolId: member.poolId,
  userId: member.userId,
  role: member.role,
  createdAt: member.createdAt,
  updatedAt: member.updatedAt,
});

export const toContributionDto = (row: PoolContribution): ContributionResponseDto => ({
  id: row.id,
  poolId: row.poolId,
  agentId: row.agentId,
  userId: row.userId,
  status: row.status,
  decidedBy: row.decidedBy,
  decidedAt: row.decidedAt,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

/** A registration plus whether a runner announces it (and it is ready) on this controller. */
export const toAgentDto = (view: AgentRegistrationView, live: LiveAgent | undefined): AgentResponseDto => ({
  agentId: view.agentId,
  clientId: view.clientId,
  tag: view.tag,
  poolId: view.poolId,
  status: view.status,
  contributedBy: view.contributedBy,
  tokenMasked: view.tokenMasked,
  tokenUsable: view.tokenUsable,
  tokenKeyId: view.tokenKeyId,
  failureCount: view.failureCount,
  backoffUntil: view.backoffUntil,
  lastLoginError: view.lastLoginError,
  createdAt: view.createdAt,
  updatedAt: view.updatedAt,
  connected: live !== undefined,
  ready: live?.ready ?? false,
});

export const toRunnerDto = (runner: RunnerView): RunnerResponseDto => ({
  runnerId: runner.runnerId,
  capacity: runner.capacity,
  lastSeenAt: runner.lastSeenAt,
  revokedAt: runner.revokedAt,
  leases: runner.leases,
  createdAt: runner.createdAt,
});

/** Display names of live agents: registration tags by agent id, pool names by pool id. */
export interface LiveAgentLabels {
  tags: ReadonlyMap<string, string>;
  poolNames: ReadonlyMap<string, string>;
}

/** Labels from the registrations and pools of the database. */
export const toLiveAgentLabels = (
  registrations: readonly Pick<AgentRegistrationView, 'agentId' | 'tag'>[],
  pools: readonly Pick<AgentPool, 'id' | 'name'>[],
): LiveAgentLabels => ({
  tags: new Map(registrations.map((view) => [view.agentId, view.tag])),
  poolNames: new Map(pools.map((pool) => [pool.id, pool.name])),
});

/**
 * A live agent, named by `labels` (tag and pool name null when unknown). With `guildId` (a
 * guild-bound key) only that guild is shown: its membership, voice channel and sessions, never
 * the agent's other guilds.
 */
export const toLiveAgentDto = (
  agent: LiveAgent,
  registry: AgentRegistry,
  sessions: SessionRegistry,
  labels: LiveAgentLabels,
  guildId: string | null = null,
): LiveAgentDto => {
  const shown = (id: string): boolean => guildId === null || id === guildId;
  return {
    agentId: agent.agentId,
    tag: labels.tags.get(agent.agentId) ?? null,
    runnerId: agent.runnerId,
    clientId: agent.clientId,
    botUserId: agent.botUserId,
    ready: agent.ready,
    poolId: agent.poolId,
    poolName: agent.poolId === null ? null : (labels.poolNames.get(agent.poolId) ?? null),
    guildIds: [...agent.guilds].filter(shown).sort(),
    voiceChannels: [...agent.voiceChannels]
      .filter(([id]) => shown(id))
      .map(([id, voiceChannelId]) => ({ guildId: id, voiceChannelId })),
    kinds: agent.kinds ? [...agent.kinds].sort() : null,
    sessions: sessions.byAgentId(agent.agentId).filter((session) => shown(session.guildId)).length,
    healthScore: registry.healthScore(agent.agentId) ?? null,
    connectedAt: new Date(agent.connectedAt),
  };
};

export const toSessionDto = (session: Session): SessionDto => ({
  sessionId: session.sessionId,
  agentId: session.agentId,
  kind: session.kind,
  guildId: session.guildId,
  voiceChannelId: session.voiceChannelId,
  textChannelId: session.textChannelId,
  ownerUserId: session.ownerUserId,
  poolId: session.poolId,
  createdAt: new Date(session.createdAt),
  lastActivityAt: new Date(session.lastActivityAt),
  humans: session.humans,
});

export const toApiKeyDto = (key: ApiKeyView): ApiKeyResponseDto => ({
  id: key.id,
  name: key.name,
  prefix: key.prefix,
  masked: key.masked,
  scopes: key.scopes,
  guildId: key.guildId,
  poolId: key.poolId,
  expiresAt: key.expiresAt,
  lastUsedAt: key.lastUsedAt,
  revokedAt: key.revokedAt,
  createdBy: key.createdBy,
  createdAt: key.createdAt,
});

export const toAuditEventDto = (event: AuditEvent): AuditEventDto => ({
  id: event.id,
  actor: event.actor,
  action: event.action,
  targetType: event.targetType,
  targetId: event.targetId,
  payload: event.payload,
  requestId: event.requestId,
  createdAt: event.createdAt,
});
