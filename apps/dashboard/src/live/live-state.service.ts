import { Inject, Injectable } from '@nestjs/common';
import type { Viewer } from '../auth/viewer';
import type { DashboardConfig } from '../config/dashboard.config';
import type { LiveAgent, LiveSession } from '../controller-api/controller-api.schemas';
import { ControllerApiClient } from '../controller-api/controller-api.client';
import { DASHBOARD_CONFIG } from '../dashboard.constants';

/** Session kinds the fleet serves. */
const KINDS = ['music', 'assistant'] as const;

/** A session row as pages and the SSE stream show it. */
export interface SessionView extends LiveSession {
  guildName: string;
}

/** What the overview shows and `/live/events` streams (`event: snapshot`). */
export interface LiveSnapshot {
  /** Epoch ms the controller state was read. */
  at: number;
  /** `busy` = agents holding one of the sessions shown (a guild admin sees only their guilds' sessions). */
  agents: { connected: number; ready: number; busy: number };
  /**
   * Busy ÷ ready agents (0–1), the same rule as `chopsticks_pool_utilization_ratio`: overall,
   * and per kind among the ready agents able to serve that kind.
   */
  utilization: { overall: number; music: number; assistant: number };
  sessions: SessionView[];
}

interface RawState {
  at: number;
  agents: LiveAgent[];
  sessions: LiveSession[];
}

/**
 * Live fleet state for a viewer, read through the admin API (live agents + sessions) and
 * filtered to what the viewer may see: bot owners everything; guild admins the agents that are
 * members of their guilds and those guilds' sessions (optionally one guild). One read is shared
 * by every page and SSE subscriber for half a live interval, so N open tabs cost the controller
 * no more requests than one.
 */
@Injectable()
export class LiveStateService {
  private cached: { state: Promise<RawState>; at: number } | null = null;

  constructor(
    private readonly api: ControllerApiClient,
    @Inject(DASHBOARD_CONFIG) private readonly config: DashboardConfig,
  ) {}

  /**
   * The viewer's snapshot; `guildId` narrows it to one guild (the caller checked access).
   * @throws DashboardException API_UNAVAILABLE when the controller cannot be read
   */
  async snapshot(viewer: Viewer, guildId?: string): Promise<LiveSnapshot> {
    const raw = await this.read();
    const visible = (id: string) => (guildId ? id === guildId : viewer.canSeeGuild(id));
    const agents = raw.agents.filter((agent) =>
      viewer.isOwner && !guildId ? true : agent.guildIds.some(visible),
    );
    const sessions = raw.sessions.filter((session) => visible(session.guildId));
    return summarize(raw.at, agents, sessions, (id) => viewer.guildName(id));
  }

  /**
   * Live agents the viewer may see (members of their guilds; all for bot owners). Outside a bot
   * owner's fleet-wide view each agent's `sessions` counts only the sessions of the guilds shown,
   * so neither the count nor the busy state reveals another guild's activity.
   */
  async agents(viewer: Viewer, guildId?: string): Promise<LiveAgent[]> {
    const raw = await this.read();
    if (viewer.isOwner && !guildId) return raw.agents;
    return agentsInGuilds(raw.agents, raw.sessions, (id) =>
      guildId ? id === guildId : viewer.canSeeGuild(id),
    );
  }

  private read(): Promise<RawState> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < this.config.DASHBOARD_LIVE_INTERVAL_MS / 2)
      return this.cached.state;
    const state = Promise.all([this.api.liveAgents(), this.api.sessions()]).then(([agents, sessions]) => ({
      at: Date.now(),
      agents,
      sessions,
    }));
    this.cached = { state, at: now };
    state.catch(() => {
      if (this.cached?.state === state) this.cached = null;
    });
    return state;
  }
}

/**
 * The agents that are members of a visible guild, each with `sessions` recounted from the live
 * sessions of visible guilds only (sessions it holds elsewhere are left out).
 * @param visible true for a guild id the viewer may see
 */
export function agentsInGuilds(
  agents: LiveAgent[],
  sessions: LiveSession[],
  visible: (guildId: string) => boolean,
): LiveAgent[] {
  const shown = new Map<string, number>();
  for (const session of sessions)
    if (visible(session.guildId)) shown.set(session.agentId, (shown.get(session.agentId) ?? 0) + 1);
  return agents
    .filter((agent) => agent.guildIds.some(visible))
    .map((agent) => ({ ...agent, sessions: shown.get(agent.agentId) ?? 0 }));
}

/** Counts and utilization of a set of live agents and sessions. */
export function summarize(
  at: number,
  agents: LiveAgent[],
  sessions: LiveSession[],
  guildName: (guildId: string) => string,
): LiveSnapshot {
  const ready = agents.filter((agent) => agent.ready);
  const busyIds = { overall: new Set<string>(), music: new Set<string>(), assistant: new Set<string>() };
  for (const session of sessions) {
    busyIds.overall.add(session.agentId);
    busyIds[session.kind].add(session.agentId);
  }
  const ratio = (busy: Set<string>, able: LiveAgent[]) =>
    able.length === 0 ? 0 : able.filter((agent) => busy.has(agent.agentId)).length / able.length;
  const utilization = { overall: ratio(busyIds.overall, ready), music: 0, assistant: 0 };
  for (const kind of KINDS)
    utilization[kind] = ratio(
      busyIds[kind],
      ready.filter((agent) => agent.kinds === null || agent.kinds.includes(kind)),
    );
  return {
    at,
    agents: {
      connected: agents.length,
      ready: ready.length,
      busy: agents.filter((agent) => busyIds.overall.has(agent.agentId)).length,
    },
    utilization,
    sessions: sessions
      .map((session) => ({ ...session, guildName: guildName(session.guildId) }))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
  };
}
