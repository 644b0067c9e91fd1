import { ProtocolErrorCode, type SessionKind, type SessionReport } from '@app/protocol';
import type { AgentDownReason, AgentRegistry, Clock, LiveAgent } from './agent-registry';
import type { Session, SessionKey, SessionLookup, SessionOrigin, SessionRegistry } from './session-registry';
import { MAX_SESSIONS_PER_GUILD, PIN_TTL_MS, ReleaseReason } from './sessions.constants';
import { SessionsErrorCode, SessionsException } from './sessions.exception';

/** A request for an agent (one `/music play`, `/assistant join`, …). */
export interface AllocationRequest {
  guildId: string;
  voiceChannelId: string;
  kind: SessionKind;
  /** Discord user asking; becomes the session owner. */
  userId: string;
  textChannelId?: string | null;
  /**
   * The guild's selected pool (`guild_settings.selected_pool_id`): its idle agents are chosen
   * before any agent of another pool, whatever their health (SPEC §5 "selected pool first").
   */
  preferredPoolId?: string | null;
  /**
   * Pools the guild may draw from; omitted or null = any pool. Agents of other pools (and agents
   * whose pool is unknown) are never chosen, not even through a pin. The controller computes it
   * as "every public pool plus the guild's selected pool" (see the sessions README).
   */
  accessiblePoolIds?: ReadonlySet<string> | null;
  /** Why the session is bound (default `allocation`; failover passes `failover`). */
  origin?: Exclude<SessionOrigin, 'restore'>;
}

/** Why allocation failed (shared wire codes). */
export type AllocationFailureReason =
  | ProtocolErrorCode.NoAgentsInGuild
  | ProtocolErrorCode.NoFreeAgents
  | ProtocolErrorCode.PoolNotAccessible;

/** An agent busy in the guild, for the failure reply ("all agents busy: … in #channel"). */
export interface BusyAgent {
  agentId: string;
  voiceChannelId: string;
  kind: SessionKind;
}

/** Outcome of {@link Allocator.allocate}. */
export type AllocationResult =
  | {
      ok: true;
      session: Session;
      agent: LiveAgent;
      /** True when an existing session for the key was returned (A1 repeat). */
      reused: boolean;
      /** True when an admin pin chose the agent (A5). */
      pinned: boolean;
    }
  | { ok: false; reason: AllocationFailureReason; busy: BusyAgent[] };

/** An admin pin of an agent to a voice channel (`/agents assign`). */
export interface AgentPin {
  guildId: string;
  voiceChannelId: string;
  agentId: string;
  /** Epoch ms after which the pin is ignored. */
  expiresAt: number;
}

/** What went away with an agent: the agent and the sessions it held (to fail over or release). */
export interface AgentOffline {
  agent: LiveAgent;
  sessions: Session[];
}

/** Outcome of {@link Allocator.restoreReported}. */
export interface RestoreResult {
  restored: Session[];
  /** Reported sessions that could not be restored (key taken by another agent, or agent busy). */
  conflicts: { report: SessionReport; code: SessionsErrorCode }[];
}

/** Tuning for {@link Allocator}. */
export interface AllocatorOptions {
  clock?: Clock;
  /** Session cap per guild (default 49). */
  maxSessionsPerGuild?: number;
  /** Default pin lifetime (ms, default 5 min). */
  pinTtlMs?: number;
}

/**
 * Chooses and binds agents for session keys — the controller's hot path (SPEC §5).
 *
 * Order: the existing session for the key → an unexpired admin pin whose agent is usable → the
 * healthiest usable agent of the guild, preferring the guild's selected pool, with
 * least-recently-allocated rotation among equally healthy agents. "Usable" means live, ready
 * (A4), a member of the guild (A4), in an accessible pool, able to serve the kind, and without a
 * session in that guild. Failure reasons, in order: `no-agents-in-guild` (no ready agent is a
 * member of the guild), `no-free-agents` (the guild is at its 49-session cap, or accessible agents
 * exist but each is busy in the guild or cannot serve the kind), `pool-not-accessible` (ready
 * agents exist but none is in a pool of `accessiblePoolIds`). Each decision is synchronous — no
 * await between the check and the bind — so concurrent requests on the event loop can never
 * double-book an agent (A9). Cost is O(agents in the guild) and allocation-free apart from the
 * new session and the result.
 */
export class Allocator {
  private readonly clock: Clock;
  private readonly maxSessionsPerGuild: number;
  private readonly pinTtlMs: number;
  private readonly pins = new Map<string, Map<string, AgentPin>>();

  constructor(
    private readonly agents: AgentRegistry,
    private readonly sessions: SessionRegistry,
    options: AllocatorOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.maxSessionsPerGuild = options.maxSessionsPerGuild ?? MAX_SESSIONS_PER_GUILD;
    this.pinTtlMs = options.pinTtlMs ?? PIN_TTL_MS;
  }

  /** Allocates (or returns the existing) agent for a session key. Never throws for lack of agents. */
  allocate(request: AllocationRequest): AllocationResult {
    const started = performance.now();
    const { guildId, voiceChannelId, kind } = request;
    const existing = this.sessions.get(request);
    if (existing) {
      const agent = this.agents.get(existing.agentId);
      if (agent) {
        this.sessions.touch(existing.sessionId);
        return { ok: true, session: existing, agent, reused: true, pinned: false };
      }
      // Defensive: sessions of removed agents are released on `agent.down`.
      this.sessions.release(existing.sessionId, ReleaseReason.AgentOffline);
    }

    const memberIds = this.agents.agentIdsInGuild(guildId);
    if (memberIds.size === 0) return this.fail(ProtocolErrorCode.NoAgentsInGuild, guildId);
    if (this.sessions.countInGuild(guildId) >= this.maxSessionsPerGuild) {
      return this.fail(ProtocolErrorCode.NoFreeAgents, guildId);
    }

    const now = this.clock();
    const pin = this.activePin(guildId, voiceChannelId, now);
    if (pin) {
      const agent = this.agents.get(pin.agentId);
      if (
        agent &&
        this.isUsable(agent, request) &&
        !this.sessions.isAgentBusyInGuild(agent.agentId, guildId)
      ) {
        return this.bind(agent, request, true, started);
      }
    }

    const preferred = request.preferredPoolId ?? null;
    const accessible = request.accessiblePoolIds ?? null;
    let best: LiveAgent | undefined;
    let bestPreferred = false;
    let bestScore = -1;
    let ready = 0;
    let accessibleCount = 0;
    for (const agentId of memberIds) {
      const agent = this.agents.get(agentId) as LiveAgent;
      if (!agent.ready) continue;
      ready++;
      if (accessible !== null && (agent.poolId === null || !accessible.has(agent.poolId))) continue;
      accessibleCount++;
      if (agent.kinds !== null && !agent.kinds.has(kind)) continue;
      if (this.sessions.isAgentBusyInGuild(agentId, guildId)) continue;
      const isPreferred = preferred !== null && agent.poolId === preferred;
      if (best !== undefined && bestPreferred && !isPreferred) continue;
      const score = this.agents.scoreOf(agent, now);
      if (
        best === undefined ||
        (isPreferred && !bestPreferred) ||
        score > bestScore ||
        (score === bestScore && agent.lastAllocatedSeq < best.lastAllocatedSeq)
      ) {
        best = agent;
        bestPreferred = isPreferred;
        bestScore = score;
      }
    }
    if (best) return this.bind(best, request, false, started);
    if (ready === 0) return this.fail(ProtocolErrorCode.NoAgentsInGuild, guildId);
    if (accessibleCount === 0) return this.fail(ProtocolErrorCode.PoolNotAccessible, guildId);
    // Accessible agents exist but all are busy in the guild or cannot serve the kind.
    return this.fail(ProtocolErrorCode.NoFreeAgents, guildId);
  }

  /**
   * Releases a session by key or id; its agent is idle in that guild again (A7). `actor`: Discord
   * user id of whoever asked, when known (recorded in the lease ledger).
   */
  release(
    target: SessionKey | string,
    reason: ReleaseReason,
    actor: string | null = null,
  ): Session | undefined {
    return this.sessions.release(target, reason, actor);
  }

  /**
   * Looks a key up (A6): the session, or `agent-offline` when its agent went away (until a
   * failover binds the key again), or `no-session`.
   */
  lookup(key: SessionKey): SessionLookup {
    return this.sessions.lookup(key);
  }

  /**
   * Pins `agentId` to (guild, voice channel) for `ttlMs` (default 5 min, A5): while the pin holds
   * and the agent is usable and idle in the guild, allocation for that channel chooses it.
   * A later pin for the same channel replaces the earlier one.
   * @throws SessionsException `invalid-input` when `ttlMs` is not a positive number.
   */
  assign(guildId: string, voiceChannelId: string, agentId: string, ttlMs: number = this.pinTtlMs): AgentPin {
    if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
      throw new SessionsException(SessionsErrorCode.InvalidInput, 'pin ttl must be a positive number of ms');
    }
    const pin: AgentPin = { guildId, voiceChannelId, agentId, expiresAt: this.clock() + ttlMs };
    let channels = this.pins.get(guildId);
    if (!channels) {
      channels = new Map();
      this.pins.set(guildId, channels);
    }
    channels.set(voiceChannelId, pin);
    return pin;
  }

  /** Removes a pin; returns whether one existed. */
  unassign(guildId: string, voiceChannelId: string): boolean {
    const channels = this.pins.get(guildId);
    if (!channels?.delete(voiceChannelId)) return false;
    if (channels.size === 0) this.pins.delete(guildId);
    return true;
  }

  /** The unexpired pin for a channel, if any. */
  pinFor(guildId: string, voiceChannelId: string): AgentPin | undefined {
    return this.activePin(guildId, voiceChannelId, this.clock());
  }

  /**
   * The agent's connection went away (or it sent `agent.gone`): removes it if `connectionId`
   * still owns it and returns the sessions it held, now released, for failover. Returns
   * undefined when a newer connection owns the agent (nothing changes, SPEC §4).
   */
  agentOffline(
    agentId: string,
    connectionId: string,
    reason: AgentDownReason = 'gone',
  ): AgentOffline | undefined {
    if (!this.agents.isOwner(agentId, connectionId)) return undefined;
    const sessions = [...this.sessions.byAgentId(agentId)];
    const agent = this.agents.remove(agentId, connectionId, reason);
    return agent ? { agent, sessions } : undefined;
  }

  /** A socket closed or went stale: {@link agentOffline} for every agent it still owns. */
  connectionClosed(connectionId: string, reason: AgentDownReason = 'disconnected'): AgentOffline[] {
    const offline: AgentOffline[] = [];
    for (const agentId of [...this.agents.agentIdsOfConnection(connectionId)]) {
      const result = this.agentOffline(agentId, connectionId, reason);
      if (result) offline.push(result);
    }
    return offline;
  }

  /**
   * Rebuilds sessions an agent reports holding (after a controller restart, SPEC §5 / A10).
   * Reports whose key already belongs to the same agent are kept as they are.
   */
  restoreReported(agentId: string, reports: readonly SessionReport[]): RestoreResult {
    const result: RestoreResult = { restored: [], conflicts: [] };
    const agent = this.agents.get(agentId);
    if (!agent) {
      for (const report of reports) result.conflicts.push({ report, code: SessionsErrorCode.AgentOffline });
      return result;
    }
    for (const report of reports) {
      const current = this.sessions.get(report);
      if (current?.agentId === agentId) continue;
      try {
        const session = this.sessions.bind({
          guildId: report.guildId,
          voiceChannelId: report.voiceChannelId,
          kind: report.kind,
          agentId,
          textChannelId: report.textChannelId ?? null,
          ownerUserId: report.ownerUserId ?? null,
          poolId: agent.poolId,
          lastActivityAt: report.lastActivityAt,
          origin: 'restore',
        });
        result.restored.push(session);
      } catch (error) {
        if (!(error instanceof SessionsException)) throw error;
        result.conflicts.push({ report, code: error.code });
      }
    }
    return result;
  }

  private isUsable(agent: LiveAgent, request: AllocationRequest): boolean {
    if (!agent.ready || !agent.guilds.has(request.guildId)) return false;
    if (agent.kinds !== null && !agent.kinds.has(request.kind)) return false;
    const accessible = request.accessiblePoolIds;
    if (accessible && (agent.poolId === null || !accessible.has(agent.poolId))) return false;
    return true;
  }

  private bind(
    agent: LiveAgent,
    request: AllocationRequest,
    pinned: boolean,
    started: number,
  ): AllocationResult {
    const session = this.sessions.bind({
      guildId: request.guildId,
      voiceChannelId: request.voiceChannelId,
      kind: request.kind,
      agentId: agent.agentId,
      textChannelId: request.textChannelId ?? null,
      ownerUserId: request.userId,
      poolId: agent.poolId,
      origin: request.origin ?? 'allocation',
      allocationSeconds: (performance.now() - started) / 1000,
    });
    this.agents.markAllocated(agent.agentId);
    return { ok: true, session, agent, reused: false, pinned };
  }

  private fail(reason: AllocationFailureReason, guildId: string): AllocationResult {
    const busy: BusyAgent[] = this.sessions.byGuild(guildId).map((session) => ({
      agentId: session.agentId,
      voiceChannelId: session.voiceChannelId,
      kind: session.kind,
    }));
    return { ok: false, reason, busy };
  }

  private activePin(guildId: string, voiceChannelId: string, now: number): AgentPin | undefined {
    const channels = this.pins.get(guildId);
    if (channels === undefined) return undefined;
    const pin = channels.get(voiceChannelId);
    if (pin === undefined) return undefined;
    if (pin.expiresAt > now) return pin;
    this.unassign(guildId, voiceChannelId);
    return undefined;
  }
}
