import { randomUUID } from 'node:crypto';
import { ProtocolErrorCode, type SessionKind } from '@app/protocol';
import type { AgentRegistry, Clock } from './agent-registry';
import { MAX_TOMBSTONES, ReleaseReason, TOMBSTONE_TTL_MS } from './sessions.constants';
import { SessionsErrorCode, SessionsException } from './sessions.exception';
import { TypedEmitter } from './typed-emitter';

/** Identifies a session: one per (guild, voice channel, kind) (SPEC §5). */
export interface SessionKey {
  guildId: string;
  voiceChannelId: string;
  kind: SessionKind;
}

/** A live session: an agent bound to a voice channel for music or the assistant. */
export interface Session {
  readonly sessionId: string;
  readonly agentId: string;
  readonly kind: SessionKind;
  readonly guildId: string;
  readonly voiceChannelId: string;
  readonly textChannelId: string | null;
  /** Discord user who started it (gets the idle-release notice); null when unknown. */
  readonly ownerUserId: string | null;
  /** Pool the agent was drawn from. */
  readonly poolId: string | null;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms of the last command or playback activity (idle sweep input). */
  readonly lastActivityAt: number;
  /** Humans in the voice channel as last reported by the agent; null = unknown. */
  readonly humans: number | null;
}

interface SessionRecord {
  sessionId: string;
  agentId: string;
  kind: SessionKind;
  guildId: string;
  voiceChannelId: string;
  textChannelId: string | null;
  ownerUserId: string | null;
  poolId: string | null;
  createdAt: number;
  lastActivityAt: number;
  humans: number | null;
}

/**
 * How a session came to be bound: a request through the {@link Allocator} (`allocation`), a
 * failover taking over a lost session (`failover`), or an agent reporting a session it already
 * held after a controller restart (`restore`, not a new allocation).
 */
export type SessionOrigin = 'allocation' | 'failover' | 'restore';

/** Input of {@link SessionRegistry.bind}. */
export interface SessionBind extends SessionKey {
  agentId: string;
  /** Default `allocation`. */
  origin?: SessionOrigin;
  /** Time the allocator took to choose and book the agent (s), when it measured it. */
  allocationSeconds?: number | null;
  textChannelId?: string | null;
  ownerUserId?: string | null;
  poolId?: string | null;
  /** Epoch ms; defaults to now (set when restoring a reported session). */
  createdAt?: number;
  lastActivityAt?: number;
}

/** Outcome of {@link SessionRegistry.lookup}. */
export type SessionLookup =
  | { ok: true; session: Session }
  | {
      ok: false;
      /** `agent-offline`: the session existed and ended because its agent went away (A6). */
      error: ProtocolErrorCode.AgentOffline;
      agentId: string;
      endedAt: number;
    }
  | { ok: false; error: ProtocolErrorCode.NoSession };

/** Session registry events. */
export interface SessionRegistryEvents extends Record<string, unknown> {
  'session.bound': { session: Session; origin: SessionOrigin; allocationSeconds: number | null };
  /** `actor`: Discord user id of whoever asked for the release, when the caller knew it. */
  'session.released': { session: Session; reason: ReleaseReason; actor: string | null };
  /** The session followed its agent to another voice channel of the guild (same session id). */
  'session.moved': { session: Session; fromVoiceChannelId: string };
}

/** Tuning for {@link SessionRegistry}. */
export interface SessionRegistryOptions {
  clock?: Clock;
  /** How long sessions ended by an offline agent answer lookups with `agent-offline` (ms). */
  tombstoneTtlMs?: number;
  maxTombstones?: number;
}

interface ChannelSlots {
  music: SessionRecord | null;
  assistant: SessionRecord | null;
}

interface GuildSessions {
  channels: Map<string, ChannelSlots>;
  /** agentId → its session in this guild (at most one, SPEC §5). */
  byAgent: Map<string, SessionRecord>;
}

interface Tombstone {
  agentId: string;
  endedAt: number;
}

const NO_SESSIONS: readonly Session[] = [];

/**
 * Live sessions keyed by (guild, voice channel, kind), with indexes by agent and by guild.
 * Invariant: an agent holds at most one session per guild (it may serve several guilds) —
 * {@link bind} throws instead of breaking it. Sessions of an agent that leaves the
 * {@link AgentRegistry} (or leaves a guild) are released automatically, and remembered for a
 * while so a lookup learns `agent-offline` (ACCEPTANCE A6).
 */
export class SessionRegistry {
  /** Subscribe to `session.bound`, `session.released` and `session.moved`. */
  readonly events = new TypedEmitter<SessionRegistryEvents>(SessionRegistry.name);

  private readonly byId = new Map<string, SessionRecord>();
  private readonly guilds = new Map<string, GuildSessions>();
  private readonly byAgent = new Map<string, Set<SessionRecord>>();
  private readonly tombstones = new Map<string, Tombstone>();
  private readonly clock: Clock;
  private readonly tombstoneTtlMs: number;
  private readonly maxTombstones: number;
  private readonly kindCounts: Record<SessionKind, number> = { music: 0, assistant: 0 };

  constructor(agents: AgentRegistry, options: SessionRegistryOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.tombstoneTtlMs = options.tombstoneTtlMs ?? TOMBSTONE_TTL_MS;
    this.maxTombstones = options.maxTombstones ?? MAX_TOMBSTONES;
    agents.events.on('agent.down', ({ agent }) => {
      this.releaseAgent(agent.agentId, ReleaseReason.AgentOffline);
    });
    agents.events.on('agent.guild-left', ({ agent, guildId }) => {
      const session = this.guilds.get(guildId)?.byAgent.get(agent.agentId);
      if (session) this.releaseRecord(session, ReleaseReason.AgentLeftGuild);
    });
  }

  /** Number of live sessions. */
  get size(): number {
    return this.byId.size;
  }

  /** Live sessions of one kind (`chopsticks_agent_busy{kind}`). */
  countByKind(kind: SessionKind): number {
    return this.kindCounts[kind];
  }

  /**
   * Binds `input.agentId` to the key. Synchronous: callers check and bind with no await between.
   * @throws SessionsException `session-key-taken` when the key has a session, or `agent-busy`
   *   when the agent already holds a session in that guild.
   */
  bind(input: SessionBind): Session {
    const guild = this.guildFor(input.guildId);
    if (guild.byAgent.has(input.agentId)) {
      throw new SessionsException(
        SessionsErrorCode.AgentBusy,
        `agent ${input.agentId} already holds a session in guild ${input.guildId}`,
      );
    }
    let slots = guild.channels.get(input.voiceChannelId);
    if (slots?.[input.kind]) {
      throw new SessionsException(
        SessionsErrorCode.SessionKeyTaken,
        `a ${input.kind} session already exists for voice channel ${input.voiceChannelId}`,
      );
    }
    if (!slots) {
      slots = { music: null, assistant: null };
      guild.channels.set(input.voiceChannelId, slots);
    }
    const now = this.clock();
    const record: SessionRecord = {
      sessionId: randomUUID(),
      agentId: input.agentId,
      kind: input.kind,
      guildId: input.guildId,
      voiceChannelId: input.voiceChannelId,
      textChannelId: input.textChannelId ?? null,
      ownerUserId: input.ownerUserId ?? null,
      poolId: input.poolId ?? null,
      createdAt: input.createdAt ?? now,
      lastActivityAt: input.lastActivityAt ?? now,
      humans: null,
    };
    slots[input.kind] = record;
    guild.byAgent.set(record.agentId, record);
    this.byId.set(record.sessionId, record);
    let agentSessions = this.byAgent.get(record.agentId);
    if (!agentSessions) {
      agentSessions = new Set();
      this.byAgent.set(record.agentId, agentSessions);
    }
    agentSessions.add(record);
    this.kindCounts[record.kind]++;
    if (this.tombstones.size > 0) this.tombstones.delete(keyString(record));
    this.events.emit('session.bound', {
      session: record,
      origin: input.origin ?? 'allocation',
      allocationSeconds: input.allocationSeconds ?? null,
    });
    return record;
  }

  /** The session for a key, or undefined. O(1). */
  get(key: SessionKey): Session | undefined {
    return this.guilds.get(key.guildId)?.channels.get(key.voiceChannelId)?.[key.kind] ?? undefined;
  }

  /** The session with this id, or undefined. */
  getById(sessionId: string): Session | undefined {
    return this.byId.get(sessionId);
  }

  /**
   * Looks a key up, telling apart "never existed" (`no-session`) from "its agent went offline"
   * (`agent-offline`, remembered for the tombstone TTL or until a new session takes the key).
   */
  lookup(key: SessionKey): SessionLookup {
    const session = this.get(key);
    if (session) return { ok: true, session };
    const tombstone = this.tombstones.get(keyString(key));
    if (tombstone && this.clock() - tombstone.endedAt <= this.tombstoneTtlMs) {
      return {
        ok: false,
        error: ProtocolErrorCode.AgentOffline,
        agentId: tombstone.agentId,
        endedAt: tombstone.endedAt,
      };
    }
    return { ok: false, error: ProtocolErrorCode.NoSession };
  }

  /** The agent's session in `guildId`, or undefined (the agent is idle there). O(1). */
  agentSessionInGuild(agentId: string, guildId: string): Session | undefined {
    return this.guilds.get(guildId)?.byAgent.get(agentId);
  }

  /** True when the agent holds a session in `guildId`. O(1). */
  isAgentBusyInGuild(agentId: string, guildId: string): boolean {
    return this.guilds.get(guildId)?.byAgent.has(agentId) ?? false;
  }

  /** Every session the agent holds (across guilds). */
  byAgentId(agentId: string): readonly Session[] {
    const sessions = this.byAgent.get(agentId);
    return sessions ? [...sessions] : NO_SESSIONS;
  }

  /** Every session in the guild. */
  byGuild(guildId: string): readonly Session[] {
    const guild = this.guilds.get(guildId);
    return guild ? [...guild.byAgent.values()] : NO_SESSIONS;
  }

  /** Number of sessions in the guild. O(1). */
  countInGuild(guildId: string): number {
    return this.guilds.get(guildId)?.byAgent.size ?? 0;
  }

  /** Every live session. */
  all(): IterableIterator<Session> {
    return this.byId.values();
  }

  /**
   * Releases a session by key or id. Returns it, or undefined when there was none. The agent is
   * idle in that guild again right away (A7). Emits `session.released` (with `actor`, the Discord
   * user id of whoever asked, when known).
   */
  release(
    target: SessionKey | string,
    reason: ReleaseReason,
    actor: string | null = null,
  ): Session | undefined {
    const record = typeof target === 'string' ? this.byId.get(target) : this.recordFor(target);
    if (!record) return undefined;
    this.releaseRecord(record, reason, actor);
    return record;
  }

  /** Releases every session of the agent and returns them (for failover or notices). */
  releaseAgent(agentId: string, reason: ReleaseReason): Session[] {
    const sessions = this.byAgent.get(agentId);
    if (!sessions) return [];
    const released = [...sessions];
    for (const record of released) this.releaseRecord(record, reason);
    return released;
  }

  /**
   * Re-keys a live session to another voice channel of its guild (its agent was moved there by a
   * moderator): same session id, agent and owner. Emits `session.moved`. Returns the session, or
   * undefined when there is no such session or it already is in that channel.
   * @throws SessionsException `session-key-taken` when the target channel has a session of that kind
   */
  move(sessionId: string, voiceChannelId: string): Session | undefined {
    const record = this.byId.get(sessionId);
    if (!record || record.voiceChannelId === voiceChannelId) return undefined;
    const guild = this.guildFor(record.guildId);
    let target = guild.channels.get(voiceChannelId);
    if (target?.[record.kind]) {
      throw new SessionsException(
        SessionsErrorCode.SessionKeyTaken,
        `a ${record.kind} session already exists for voice channel ${voiceChannelId}`,
      );
    }
    if (!target) {
      target = { music: null, assistant: null };
      guild.channels.set(voiceChannelId, target);
    }
    const fromVoiceChannelId = record.voiceChannelId;
    const source = guild.channels.get(fromVoiceChannelId);
    if (source) {
      source[record.kind] = null;
      if (!source.music && !source.assistant) guild.channels.delete(fromVoiceChannelId);
    }
    target[record.kind] = record;
    record.voiceChannelId = voiceChannelId;
    record.humans = null;
    record.lastActivityAt = this.clock();
    if (this.tombstones.size > 0) this.tombstones.delete(keyString(record));
    this.events.emit('session.moved', { session: record, fromVoiceChannelId });
    return record;
  }

  /** Marks activity on a session (commands, track start) at now. */
  touch(sessionId: string): void {
    const record = this.byId.get(sessionId);
    if (record) record.lastActivityAt = this.clock();
  }

  /** Records how many humans are in the agent's voice channel in `guildId` (`voice.humans`). */
  setHumans(agentId: string, guildId: string, humans: number): void {
    const record = this.guilds.get(guildId)?.byAgent.get(agentId);
    if (record) record.humans = humans;
  }

  private recordFor(key: SessionKey): SessionRecord | undefined {
    return this.guilds.get(key.guildId)?.channels.get(key.voiceChannelId)?.[key.kind] ?? undefined;
  }

  private guildFor(guildId: string): GuildSessions {
    let guild = this.guilds.get(guildId);
    if (!guild) {
      guild = { channels: new Map(), byAgent: new Map() };
      this.guilds.set(guildId, guild);
    }
    return guild;
  }

  private releaseRecord(record: SessionRecord, reason: ReleaseReason, actor: string | null = null): void {
    if (this.byId.get(record.sessionId) !== record) return;
    this.byId.delete(record.sessionId);
    const guild = this.guilds.get(record.guildId);
    if (guild) {
      guild.byAgent.delete(record.agentId);
      const slots = guild.channels.get(record.voiceChannelId);
      if (slots) {
        slots[record.kind] = null;
        if (!slots.music && !slots.assistant) guild.channels.delete(record.voiceChannelId);
      }
      if (guild.byAgent.size === 0) this.guilds.delete(record.guildId);
    }
    const agentSessions = this.byAgent.get(record.agentId);
    if (agentSessions) {
      agentSessions.delete(record);
      if (agentSessions.size === 0) this.byAgent.delete(record.agentId);
    }
    this.kindCounts[record.kind]--;
    if (reason === ReleaseReason.AgentOffline || reason === ReleaseReason.AgentLeftGuild) {
      this.remember(record);
    }
    this.events.emit('session.released', { session: record, reason, actor });
  }

  private remember(record: SessionRecord): void {
    const key = keyString(record);
    this.tombstones.delete(key);
    this.tombstones.set(key, { agentId: record.agentId, endedAt: this.clock() });
    if (this.tombstones.size > this.maxTombstones) {
      const oldest = this.tombstones.keys().next();
      if (!oldest.done) this.tombstones.delete(oldest.value);
    }
  }
}

function keyString(key: SessionKey): string {
  return `${key.guildId}/${key.voiceChannelId}/${key.kind}`;
}
