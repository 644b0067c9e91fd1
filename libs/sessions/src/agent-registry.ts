import type { AgentChange, SessionKind } from '@app/protocol';
import {
  type AgentHealth,
  type RpcOutcome,
  decayedErrorScore,
  ewma,
  healthScore,
  newAgentHealth,
} from './agent-health';
import {
  ERROR_SCORE_HALF_LIFE_MS,
  LATENCY_EWMA_ALPHA,
  RETIRED_CONNECTIONS_PER_AGENT,
} from './sessions.constants';
import { TypedEmitter } from './typed-emitter';

/** Source of the current time in epoch ms (injectable for tests). */
export type Clock = () => number;

/** A live agent identity, as seen by the controller. Read-only view; change it through the registry. */
export interface LiveAgent {
  readonly agentId: string;
  readonly runnerId: string;
  /** The connection that owns this registration (ownership token, SPEC §4). */
  readonly connectionId: string;
  readonly clientId: string;
  readonly botUserId: string;
  /** True once the agent's Discord client is ready. Not-ready agents are never allocated (A4). */
  readonly ready: boolean;
  /** Guilds the agent is a member of. */
  readonly guilds: ReadonlySet<string>;
  /** Voice channel the agent sits in, per guild (absent = not in voice there). */
  readonly voiceChannels: ReadonlyMap<string, string>;
  /** Pool the agent belongs to (null = unknown). */
  readonly poolId: string | null;
  /** Session kinds the agent can serve (negotiated capabilities); null = every kind. */
  readonly kinds: ReadonlySet<SessionKind> | null;
  readonly health: Readonly<AgentHealth>;
  /** When this registration (connection) came up, epoch ms. */
  readonly connectedAt: number;
  /** Allocation stamp for fair rotation: lower = allocated longer ago (0 = never). */
  readonly lastAllocatedSeq: number;
}

interface AgentRecord {
  agentId: string;
  runnerId: string;
  connectionId: string;
  clientId: string;
  botUserId: string;
  ready: boolean;
  guilds: Set<string>;
  voiceChannels: Map<string, string>;
  poolId: string | null;
  kinds: ReadonlySet<SessionKind> | null;
  health: AgentHealth;
  connectedAt: number;
  lastAllocatedSeq: number;
  /** Connections that owned this agent before and were replaced: they may not take it back. */
  retiredConnections: string[];
}

/** A guild as announced: an id, or an id with the voice channel the agent sits in. */
export type AgentGuildInput = string | { guildId: string; voiceChannelId?: string | null };

/** What a runner's announce tells the registry about one agent. */
export interface AgentUpsert {
  agentId: string;
  runnerId: string;
  connectionId: string;
  clientId: string;
  /** Defaults to `clientId`. */
  botUserId?: string;
  ready: boolean;
  guilds: Iterable<AgentGuildInput>;
  poolId?: string | null;
  kinds?: ReadonlySet<SessionKind> | null;
}

/** Outcome of {@link AgentRegistry.upsert}. */
export type AgentUpsertResult =
  | {
      ok: true;
      agent: LiveAgent;
      /** True when the agent was not live before. */
      created: boolean;
      /** The connection that owned the agent until now, when this upsert took it over. */
      replacedConnectionId: string | null;
    }
  | { ok: false; reason: 'stale-connection' };

/** Why an agent left the registry. */
export type AgentDownReason = 'disconnected' | 'gone' | 'stale' | 'drain' | 'removed';

/** Registry events (payloads are live read-only views). */
export interface AgentRegistryEvents extends Record<string, unknown> {
  /** An agent became live, or a newer connection took it over. */
  'agent.up': { agent: LiveAgent; replacedConnectionId: string | null };
  /** An agent left the registry. Its sessions are released by the session registry. */
  'agent.down': { agent: LiveAgent; reason: AgentDownReason };
  /** Readiness, guilds or voice state changed. */
  'agent.updated': { agent: LiveAgent };
  /** The agent is no longer a member of `guildId`. */
  'agent.guild-left': { agent: LiveAgent; guildId: string };
  /**
   * The agent's voice channel in `guildId` changed (`voice.moved`): `fromVoiceChannelId` is the
   * channel it left as the agent reported it, else as the registry knew it (null = none).
   */
  'agent.voice-moved': {
    agent: LiveAgent;
    guildId: string;
    voiceChannelId: string | null;
    fromVoiceChannelId: string | null;
  };
}

/** Tuning for {@link AgentRegistry}. */
export interface AgentRegistryOptions {
  clock?: Clock;
  /** Half-life of the transport-failure score, ms (default 60 s). */
  errorHalfLifeMs?: number;
  /** Weight of new latency samples, 0–1 (default 0.2). */
  latencyAlpha?: number;
}

const EMPTY: ReadonlySet<string> = new Set();

/**
 * The controller's live agent registry (SPEC §4–5): every connected agent identity with its
 * guilds, readiness, pool and health, indexed by guild so allocation cost grows with the agents
 * in one guild, not all agents.
 *
 * Ownership safety (SPEC §4): each registration is owned by a connection id. A later `upsert`
 * from another connection takes the agent over; from then on the former connection can neither
 * update, remove nor re-take it (its calls are no-ops), including when it closes.
 */
export class AgentRegistry {
  /** Subscribe to `agent.up`, `agent.down`, `agent.updated`, `agent.guild-left`, `agent.voice-moved`. */
  readonly events = new TypedEmitter<AgentRegistryEvents>(AgentRegistry.name);

  private readonly agents = new Map<string, AgentRecord>();
  private readonly byGuild = new Map<string, Set<string>>();
  private readonly byConnection = new Map<string, Set<string>>();
  private readonly clock: Clock;
  private readonly errorHalfLifeMs: number;
  private readonly latencyAlpha: number;
  private readyAgents = 0;
  private allocationSeq = 0;

  constructor(options: AgentRegistryOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.errorHalfLifeMs = options.errorHalfLifeMs ?? ERROR_SCORE_HALF_LIFE_MS;
    this.latencyAlpha = options.latencyAlpha ?? LATENCY_EWMA_ALPHA;
  }

  /** Number of live agents (`chopsticks_agent_connected`). */
  get size(): number {
    return this.agents.size;
  }

  /** Number of live agents that are ready (`chopsticks_agent_ready`). */
  get readyCount(): number {
    return this.readyAgents;
  }

  /**
   * Registers an agent from connection `input.connectionId`, or replaces its state. A different
   * connection takes the agent over (`replacedConnectionId` names the former owner); a connection
   * that was already replaced for this agent is refused with `stale-connection`.
   * Guilds missing from `input.guilds` are left (emitting `agent.guild-left` for each).
   */
  upsert(input: AgentUpsert): AgentUpsertResult {
    const now = this.clock();
    const existing = this.agents.get(input.agentId);
    if (existing?.retiredConnections.includes(input.connectionId))
      return { ok: false, reason: 'stale-connection' };

    const guilds = new Set<string>();
    const voiceChannels = new Map<string, string>();
    for (const entry of input.guilds) {
      if (typeof entry === 'string') {
        guilds.add(entry);
      } else {
        guilds.add(entry.guildId);
        if (entry.voiceChannelId) voiceChannels.set(entry.guildId, entry.voiceChannelId);
      }
    }

    if (!existing) {
      const record: AgentRecord = {
        agentId: input.agentId,
        runnerId: input.runnerId,
        connectionId: input.connectionId,
        clientId: input.clientId,
        botUserId: input.botUserId ?? input.clientId,
        ready: input.ready,
        guilds,
        voiceChannels,
        poolId: input.poolId ?? null,
        kinds: input.kinds ?? null,
        health: newAgentHealth(now),
        connectedAt: now,
        lastAllocatedSeq: 0,
        retiredConnections: [],
      };
      this.agents.set(record.agentId, record);
      for (const guildId of guilds) this.indexGuild(guildId, record.agentId);
      this.indexConnection(record.connectionId, record.agentId);
      if (record.ready) this.readyAgents++;
      this.events.emit('agent.up', { agent: record, replacedConnectionId: null });
      return { ok: true, agent: record, created: true, replacedConnectionId: null };
    }

    let replacedConnectionId: string | null = null;
    if (existing.connectionId !== input.connectionId) {
      replacedConnectionId = existing.connectionId;
      this.unindexConnection(existing.connectionId, existing.agentId);
      existing.retiredConnections.push(existing.connectionId);
      if (existing.retiredConnections.length > RETIRED_CONNECTIONS_PER_AGENT)
        existing.retiredConnections.shift();
      existing.connectionId = input.connectionId;
      existing.runnerId = input.runnerId;
      existing.connectedAt = now;
      existing.health = newAgentHealth(now);
      this.indexConnection(input.connectionId, existing.agentId);
    }
    existing.clientId = input.clientId;
    existing.botUserId = input.botUserId ?? input.clientId;
    if (input.poolId !== undefined) existing.poolId = input.poolId;
    if (input.kinds !== undefined) existing.kinds = input.kinds;
    existing.health.lastSeenAt = now;
    this.setReady(existing, input.ready);

    const left: string[] = [];
    for (const guildId of existing.guilds) {
      if (!guilds.has(guildId)) left.push(guildId);
    }
    for (const guildId of guilds) {
      if (!existing.guilds.has(guildId)) this.indexGuild(guildId, existing.agentId);
    }
    for (const guildId of left) this.unindexGuild(guildId, existing.agentId);
    existing.guilds = guilds;
    existing.voiceChannels = voiceChannels;

    if (replacedConnectionId !== null)
      this.events.emit('agent.up', { agent: existing, replacedConnectionId });
    else this.events.emit('agent.updated', { agent: existing });
    for (const guildId of left) this.events.emit('agent.guild-left', { agent: existing, guildId });
    return { ok: true, agent: existing, created: false, replacedConnectionId };
  }

  /**
   * Applies one `agent.update` change from `connectionId`. Returns false (and changes nothing)
   * when the agent is unknown or owned by another connection. `voice.humans` carries no registry
   * state (sessions track it) and is accepted as a no-op.
   */
  update(agentId: string, connectionId: string, change: AgentChange): boolean {
    const record = this.owned(agentId, connectionId);
    if (!record) return false;
    record.health.lastSeenAt = this.clock();
    switch (change.kind) {
      case 'ready':
        this.setReady(record, change.ready);
        break;
      case 'guild.join':
        if (!record.guilds.has(change.guild.guildId)) {
          record.guilds.add(change.guild.guildId);
          this.indexGuild(change.guild.guildId, agentId);
        }
        if (change.guild.voiceChannelId) {
          record.voiceChannels.set(change.guild.guildId, change.guild.voiceChannelId);
        } else if (change.guild.voiceChannelId === null) {
          record.voiceChannels.delete(change.guild.guildId);
        }
        break;
      case 'guild.leave':
        if (!record.guilds.delete(change.guildId)) return true;
        record.voiceChannels.delete(change.guildId);
        this.unindexGuild(change.guildId, agentId);
        this.events.emit('agent.updated', { agent: record });
        this.events.emit('agent.guild-left', { agent: record, guildId: change.guildId });
        return true;
      case 'voice.moved': {
        const from = change.fromVoiceChannelId ?? record.voiceChannels.get(change.guildId) ?? null;
        if (change.voiceChannelId) record.voiceChannels.set(change.guildId, change.voiceChannelId);
        else record.voiceChannels.delete(change.guildId);
        this.events.emit('agent.updated', { agent: record });
        if (from !== change.voiceChannelId)
          this.events.emit('agent.voice-moved', {
            agent: record,
            guildId: change.guildId,
            voiceChannelId: change.voiceChannelId,
            fromVoiceChannelId: from,
          });
        return true;
      }
      case 'voice.humans':
        return true;
    }
    this.events.emit('agent.updated', { agent: record });
    return true;
  }

  /**
   * Removes the agent if — and only if — `connectionId` still owns it (SPEC §4: an older
   * connection's close never removes a newer registration). Returns the removed agent, or
   * undefined when nothing was removed. Emits `agent.down`, which releases its sessions.
   */
  remove(agentId: string, connectionId: string, reason: AgentDownReason = 'removed'): LiveAgent | undefined {
    const record = this.owned(agentId, connectionId);
    if (!record) return undefined;
    this.delete(record);
    this.events.emit('agent.down', { agent: record, reason });
    return record;
  }

  /**
   * Removes every agent `connectionId` still owns (socket closed or stale). Agents taken over by
   * newer connections are untouched. Returns the removed agents.
   */
  removeConnection(connectionId: string, reason: AgentDownReason = 'disconnected'): LiveAgent[] {
    const agentIds = this.byConnection.get(connectionId);
    if (!agentIds) return [];
    const removed: LiveAgent[] = [];
    for (const agentId of [...agentIds]) {
      const agent = this.remove(agentId, connectionId, reason);
      if (agent) removed.push(agent);
    }
    return removed;
  }

  /** The live agent, or undefined. */
  get(agentId: string): LiveAgent | undefined {
    return this.agents.get(agentId);
  }

  /** True when `connectionId` currently owns `agentId`. */
  isOwner(agentId: string, connectionId: string): boolean {
    return this.agents.get(agentId)?.connectionId === connectionId;
  }

  /** Ids of live agents that are members of `guildId` (live view; do not mutate). O(1). */
  agentIdsInGuild(guildId: string): ReadonlySet<string> {
    return this.byGuild.get(guildId) ?? EMPTY;
  }

  /** Ids of agents owned by `connectionId`. */
  agentIdsOfConnection(connectionId: string): ReadonlySet<string> {
    return this.byConnection.get(connectionId) ?? EMPTY;
  }

  /** Every live agent. */
  all(): IterableIterator<LiveAgent> {
    return this.agents.values();
  }

  /**
   * Records an RPC outcome for health (SPEC §4 circuit breaker counts transport failures only):
   * a transport failure adds 1 to the decaying error score; a success folds its latency into the
   * RPC-latency average; a domain error only counts as a sign of life. Unknown agents are ignored.
   */
  recordRpc(agentId: string, outcome: RpcOutcome): void {
    const record = this.agents.get(agentId);
    if (!record) return;
    const now = this.clock();
    const health = record.health;
    if (outcome.transportFailure) {
      health.errorScore = decayedErrorScore(health, now, this.errorHalfLifeMs) + 1;
      health.errorScoreAt = now;
      health.transportFailures++;
      return;
    }
    health.lastSeenAt = now;
    if (outcome.ok) health.rpcLatencyMs = ewma(health.rpcLatencyMs, outcome.latencyMs, this.latencyAlpha);
  }

  /**
   * Records a ping/pong round trip (ms) measured on `connectionId` for every agent it owns, and
   * marks them seen.
   */
  recordRtt(connectionId: string, rttMs: number): void {
    const agentIds = this.byConnection.get(connectionId);
    if (!agentIds) return;
    const now = this.clock();
    for (const agentId of agentIds) {
      const health = (this.agents.get(agentId) as AgentRecord).health;
      health.rttMs = ewma(health.rttMs, rttMs, this.latencyAlpha);
      health.lastSeenAt = now;
    }
  }

  /** Health score 0–100 of the agent now (see `healthScore`), or undefined when not live. */
  healthScore(agentId: string): number | undefined {
    const record = this.agents.get(agentId);
    return record ? healthScore(record.health, this.clock(), this.errorHalfLifeMs) : undefined;
  }

  /** Health score of a live agent at `now` (allocation hot path; no lookups). */
  scoreOf(agent: LiveAgent, now: number): number {
    return healthScore(agent.health, now, this.errorHalfLifeMs);
  }

  /** Stamps `agentId` as just allocated (fair rotation). Called by the allocator. */
  markAllocated(agentId: string): void {
    const record = this.agents.get(agentId);
    if (record) record.lastAllocatedSeq = ++this.allocationSeq;
  }

  private owned(agentId: string, connectionId: string): AgentRecord | undefined {
    const record = this.agents.get(agentId);
    return record && record.connectionId === connectionId ? record : undefined;
  }

  private setReady(record: AgentRecord, ready: boolean): void {
    if (record.ready === ready) return;
    record.ready = ready;
    this.readyAgents += ready ? 1 : -1;
  }

  private delete(record: AgentRecord): void {
    this.agents.delete(record.agentId);
    for (const guildId of record.guilds) this.unindexGuild(guildId, record.agentId);
    this.unindexConnection(record.connectionId, record.agentId);
    if (record.ready) this.readyAgents--;
  }

  private indexGuild(guildId: string, agentId: string): void {
    let set = this.byGuild.get(guildId);
    if (!set) {
      set = new Set();
      this.byGuild.set(guildId, set);
    }
    set.add(agentId);
  }

  private unindexGuild(guildId: string, agentId: string): void {
    const set = this.byGuild.get(guildId);
    if (!set) return;
    set.delete(agentId);
    if (set.size === 0) this.byGuild.delete(guildId);
  }

  private indexConnection(connectionId: string, agentId: string): void {
    let set = this.byConnection.get(connectionId);
    if (!set) {
      set = new Set();
      this.byConnection.set(connectionId, set);
    }
    set.add(agentId);
  }

  private unindexConnection(connectionId: string, agentId: string): void {
    const set = this.byConnection.get(connectionId);
    if (!set) return;
    set.delete(agentId);
    if (set.size === 0) this.byConnection.delete(connectionId);
  }
}
