import { Injectable } from '@nestjs/common';
import type { SessionKind } from '@app/protocol';
import {
  AgentRegistrationsService,
  AgentStatus,
  GuildSettingsService,
  LeasesService,
  PoolsService,
  type AgentRegistrationView,
} from '@app/pools';
import { AgentRegistry, Allocator, type LiveAgent, type Session, SessionRegistry } from '@app/sessions';

/** Counts by session kind. */
export type KindCounts = Record<SessionKind, number>;

/** One live agent of a guild as `/agents status` lists it. */
export interface GuildAgentLine {
  agentId: string;
  botUserId: string;
  ready: boolean;
  poolId: string | null;
  session: Session | null;
}

/** `/agents status` for one guild: live agents that are members of it. */
export interface GuildStatusView {
  connected: number;
  ready: number;
  busy: KindCounts;
  idle: number;
  agents: GuildAgentLine[];
}

/** `/agents status scope:network` (bot owners): the whole controller. */
export interface NetworkStatusView {
  connected: number;
  ready: number;
  busy: KindCounts;
  guilds: number;
  registrations: Partial<Record<AgentStatus, number>>;
}

/** One pool ranked by `/agents advisor`. */
export interface PoolAdvice {
  poolId: string;
  name: string;
  visibility: string;
  /** The guild's selected pool. */
  selected: boolean;
  /** Active registrations whose token can be decrypted. */
  usable: number;
  /** Live, ready agents of the pool in this guild without a session here. */
  idleHere: number;
  /** Usable registrations not yet in this guild (deployable with /agents deploy). */
  invitable: number;
  /** `idleHere + invitable`: agents this guild could use from the pool right now. */
  free: number;
}

/** Why an agent cannot be used, as `/agents diagnose` explains it. */
export interface AgentDiagnosis {
  registration: AgentRegistrationView;
  /** Runner holding a live lease on the agent, or null. */
  leaseHolder: string | null;
  live: LiveAgent | null;
  inGuild: boolean;
  sessionHere: Session | null;
  /** Sentences, most important first; empty = usable here. */
  problems: string[];
}

const emptyKinds = (): KindCounts => ({ music: 0, assistant: 0 });

/**
 * Read models of `/agents` (status, advisor, sessions, diagnose, list_tokens): joins the live
 * registries (`AgentRegistry`, `SessionRegistry`, the allocator's pins) with the durable
 * registrations, leases and pools in Postgres. Never writes.
 */
@Injectable()
export class AgentsOverviewService {
  constructor(
    private readonly agents: AgentRegistry,
    private readonly sessions: SessionRegistry,
    private readonly allocator: Allocator,
    private readonly registrations: AgentRegistrationsService,
    private readonly pools: PoolsService,
    private readonly leases: LeasesService,
    private readonly guildSettings: GuildSettingsService,
  ) {}

  /** Live agents of a guild: connected (members), ready, busy per kind, idle. */
  guildStatus(guildId: string): GuildStatusView {
    const busy = emptyKinds();
    const lines: GuildAgentLine[] = [];
    let ready = 0;
    for (const agentId of this.agents.agentIdsInGuild(guildId)) {
      const agent = this.agents.get(agentId);
      if (!agent) continue;
      const session = this.sessions.agentSessionInGuild(agentId, guildId) ?? null;
      if (agent.ready) ready += 1;
      if (session) busy[session.kind] += 1;
      lines.push({ agentId, botUserId: agent.botUserId, ready: agent.ready, poolId: agent.poolId, session });
    }
    lines.sort((a, b) => a.agentId.localeCompare(b.agentId));
    const busyTotal = busy.music + busy.assistant;
    return { connected: lines.length, ready, busy, idle: Math.max(0, ready - busyTotal), agents: lines };
  }

  /** Every live agent and registration (bot owners' network view). */
  async networkStatus(): Promise<NetworkStatusView> {
    const guilds = new Set<string>();
    for (const agent of this.agents.all()) for (const guildId of agent.guilds) guilds.add(guildId);
    const registrations: Partial<Record<AgentStatus, number>> = {};
    for (const row of await this.registrations.list()) {
      registrations[row.status] = (registrations[row.status] ?? 0) + 1;
    }
    return {
      connected: this.agents.size,
      ready: this.agents.readyCount,
      busy: { music: this.sessions.countByKind('music'), assistant: this.sessions.countByKind('assistant') },
      guilds: guilds.size,
      registrations,
    };
  }

  /** The guild's live sessions, oldest first. */
  guildSessions(guildId: string): readonly Session[] {
    return [...this.sessions.byGuild(guildId)].sort((a, b) => a.createdAt - b.createdAt);
  }

  /**
   * Pools the user may draw from (public ones and those they belong to), ranked by how many
   * agents the guild could use from each right now (idle here + invitable), then by usable size.
   */
  async advise(guildId: string, userId: string): Promise<PoolAdvice[]> {
    const [pools, settings, registrations] = await Promise.all([
      this.pools.list(userId),
      this.guildSettings.get(guildId),
      this.registrations.list(),
    ]);
    const inGuild = this.agents.agentIdsInGuild(guildId);
    const byPool = new Map<string, AgentRegistrationView[]>();
    for (const row of registrations) {
      const list = byPool.get(row.poolId) ?? [];
      list.push(row);
      byPool.set(row.poolId, list);
    }
    const advice = pools.map((pool): PoolAdvice => {
      let usable = 0;
      let idleHere = 0;
      let invitable = 0;
      for (const row of byPool.get(pool.id) ?? []) {
        if (row.status !== AgentStatus.Active || !row.tokenUsable) continue;
        usable += 1;
        if (!inGuild.has(row.agentId)) {
          invitable += 1;
          continue;
        }
        const live = this.agents.get(row.agentId);
        if (live?.ready && !this.sessions.isAgentBusyInGuild(row.agentId, guildId)) idleHere += 1;
      }
      return {
        poolId: pool.id,
        name: pool.name,
        visibility: pool.visibility,
        selected: settings.selectedPoolId === pool.id,
        usable,
        idleHere,
        invitable,
        free: idleHere + invitable,
      };
    });
    return advice.sort(
      (a, b) =>
        b.free - a.free ||
        b.usable - a.usable ||
        Number(b.selected) - Number(a.selected) ||
        a.poolId.localeCompare(b.poolId),
    );
  }

  /**
   * Why an agent is (not) usable in a guild: registration status and token, login backoff,
   * lease, connection and readiness, guild membership, a session here.
   * @throws PoolsException AGENT_NOT_FOUND
   */
  async diagnose(agentId: string, guildId: string, now = new Date()): Promise<AgentDiagnosis> {
    const registration = await this.registrations.get(agentId);
    const leaseHolder = await this.leases.holder(agentId);
    const live = this.agents.get(agentId) ?? null;
    const inGuild = live?.guilds.has(guildId) ?? false;
    const sessionHere = this.sessions.agentSessionInGuild(agentId, guildId) ?? null;
    const problems: string[] = [];
    switch (registration.status) {
      case AgentStatus.Active:
        break;
      case AgentStatus.Pending:
        problems.push(
          'Its registration awaits approval by the pool owner or a manager (/pools contributions).',
        );
        break;
      case AgentStatus.Inactive:
        problems.push(
          'It is set inactive; a pool owner or manager can run /agents set_status status:active.',
        );
        break;
      case AgentStatus.Suspended:
        problems.push('It is suspended by the pool owner or a manager.');
        break;
      case AgentStatus.Failed: {
        const retry =
          registration.backoffUntil && registration.backoffUntil > now
            ? ` The runner retries <t:${Math.ceil(registration.backoffUntil.getTime() / 1000)}:R>`
            : ' The runner retries at its next poll';
        problems.push(
          `Its Discord login failed ${registration.failureCount} time(s) in a row${registration.lastLoginError ? ` (${registration.lastLoginError})` : ''}.${retry}; a fresh token fixes a reset one.`,
        );
        break;
      }
      case AgentStatus.Revoked:
        problems.push('It is revoked: its token was erased. Register a new token with /agents add_token.');
        break;
    }
    if (registration.status !== AgentStatus.Revoked && !registration.tokenUsable) {
      problems.push(
        'Its stored token cannot be decrypted with the configured keys; register the token again.',
      );
    }
    if (registration.status === AgentStatus.Active && registration.tokenUsable && leaseHolder === null) {
      problems.push('No runner holds its lease yet (runners may be full or offline).');
    }
    if (live === null) {
      if (leaseHolder !== null)
        problems.push(`Runner ${leaseHolder} holds it but it is not connected to the controller.`);
    } else {
      if (!live.ready)
        problems.push('It is connected but not ready (still logging in to Discord or Lavalink).');
      if (!inGuild) problems.push('It is not a member of this server — invite it with /agents deploy.');
    }
    if (sessionHere)
      problems.push(
        `It is busy here with a ${sessionHere.kind} session in <#${sessionHere.voiceChannelId}>.`,
      );
    return { registration, leaseHolder, live, inGuild, sessionHere, problems };
  }

  /** The pin of a voice channel, if an admin assigned one. */
  pinFor(guildId: string, voiceChannelId: string): { agentId: string; expiresAt: number } | undefined {
    return this.allocator.pinFor(guildId, voiceChannelId);
  }

  /** A live agent, or undefined. */
  liveAgent(agentId: string): LiveAgent | undefined {
    return this.agents.get(agentId);
  }

  /** Registrations (masked tokens) a user contributed, or all of a pool. */
  listTokens(query: { contributedBy: string } | { poolId: string }): Promise<AgentRegistrationView[]> {
    return this.registrations.list(query);
  }
}
