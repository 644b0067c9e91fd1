import { Inject, Injectable, Logger } from '@nestjs/common';
import type { z } from 'zod';
import type { DashboardConfig } from '../config/dashboard.config';
import { API_PAGE_SIZE, DASHBOARD_CONFIG, MAX_LIST_PAGES } from '../dashboard.constants';
import { DashboardException, DashboardExceptionCode } from '../dashboard.exception';
import {
  agentSchema,
  type AuditEvent,
  auditEventSchema,
  type Deployment,
  deploymentSchema,
  type GuildSettings,
  guildSettingsSchema,
  type LiveAgent,
  liveAgentSchema,
  type LiveSession,
  pageSchema,
  type Pool,
  poolSchema,
  problemSchema,
  type RegisteredAgent,
  sessionReleasedSchema,
  sessionSchema,
} from './controller-api.schemas';

type Query = Record<string, string | number | undefined>;

/**
 * The dashboard's only window on live state: the controller admin API (`CONTROLLER_API_URL` +
 * `/api/v1`, `Authorization: Bearer DASHBOARD_API_KEY`, scopes read + write). Every response is
 * validated with zod. Errors: {@link DashboardException} — NOT_FOUND (404), REJECTED (400/409
 * with the API's user-facing detail), API_UNAVAILABLE (unreachable, timeout, 401/403/429/5xx,
 * unexpected body; the key is never part of a message).
 */
@Injectable()
export class ControllerApiClient {
  private readonly logger = new Logger(ControllerApiClient.name);
  private readonly base: string;

  constructor(@Inject(DASHBOARD_CONFIG) private readonly config: DashboardConfig) {
    this.base = `${config.CONTROLLER_API_URL.replace(/\/+$/, '')}/api/v1`;
  }

  /** Every live agent (all pages). */
  liveAgents(): Promise<LiveAgent[]> {
    return this.listAll('/live/agents', liveAgentSchema);
  }

  /** Every live session, optionally of one guild (all pages). */
  sessions(guildId?: string): Promise<LiveSession[]> {
    return this.listAll('/sessions', sessionSchema, { guildId });
  }

  /** Every pool (all pages). */
  pools(): Promise<Pool[]> {
    return this.listAll('/pools', poolSchema);
  }

  /** Every registered agent identity (all pages). */
  agents(): Promise<RegisteredAgent[]> {
    return this.listAll('/agents', agentSchema);
  }

  /** Releases a live session (the agent leaves its voice channel). */
  async releaseSession(sessionId: string): Promise<{ session: LiveSession; agentLeft: boolean }> {
    return this.request('DELETE', `/sessions/${encodeURIComponent(sessionId)}`, sessionReleasedSchema);
  }

  /** A guild's settings (defaults when never set). */
  guildSettings(guildId: string): Promise<GuildSettings> {
    return this.request('GET', `/guilds/${encodeURIComponent(guildId)}/settings`, guildSettingsSchema);
  }

  /** Changes a guild's selected pool and/or idle-release override (null = default). */
  updateGuildSettings(
    guildId: string,
    body: { selectedPoolId?: string | null; idleReleaseSeconds?: number | null },
  ): Promise<GuildSettings> {
    return this.request(
      'PATCH',
      `/guilds/${encodeURIComponent(guildId)}/settings`,
      guildSettingsSchema,
      undefined,
      body,
    );
  }

  /** Plans `desiredTotal` agents of a pool into a guild: invite URLs for what it still needs. */
  deploy(body: { guildId: string; poolId: string; desiredTotal: number }): Promise<Deployment> {
    return this.request('POST', '/deployments', deploymentSchema, undefined, body);
  }

  /** One page of audit events, newest first. */
  auditEvents(query: {
    cursor?: string;
    limit: number;
    targetType?: string;
    targetId?: string;
  }): Promise<{ items: AuditEvent[]; nextCursor: string | null }> {
    return this.request('GET', '/audit-events', pageSchema(auditEventSchema), query);
  }

  private async listAll<T extends z.ZodType>(path: string, item: T, query: Query = {}) {
    const items: z.output<T>[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const result = await this.request('GET', path, pageSchema(item), {
        ...query,
        limit: API_PAGE_SIZE,
        cursor,
      });
      items.push(...result.items);
      if (!result.nextCursor) break;
      cursor = result.nextCursor;
    }
    return items;
  }

  private async request<T extends z.ZodType>(
    method: string,
    path: string,
    schema: T,
    query?: Query,
    body?: unknown,
  ): Promise<z.output<T>> {
    if (!this.config.DASHBOARD_API_KEY)
      throw new DashboardException(
        DashboardExceptionCode.ApiUnavailable,
        'The dashboard has no admin API key (DASHBOARD_API_KEY is unset).',
      );
    const url = new URL(this.base + path);
    for (const [key, value] of Object.entries(query ?? {}))
      if (value !== undefined) url.searchParams.set(key, String(value));
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.config.DASHBOARD_API_KEY}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.config.DASHBOARD_API_TIMEOUT_MS),
      });
    } catch (error) {
      this.logger.warn(`admin API ${method} ${path} failed: ${(error as Error).message}`);
      throw new DashboardException(
        DashboardExceptionCode.ApiUnavailable,
        'The controller cannot be reached right now. Try again in a moment.',
      );
    }
    const text = await response.text();
    const json = parseJson(text);
    if (!response.ok) throw this.failure(method, path, response.status, json);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      this.logger.error(`admin API ${method} ${path} answered an unexpected body: ${parsed.error.message}`);
      throw new DashboardException(
        DashboardExceptionCode.ApiUnavailable,
        'The controller answered something the dashboard does not understand.',
      );
    }
    return parsed.data;
  }

  private failure(method: string, path: string, status: number, body: unknown): DashboardException {
    const problem = problemSchema.safeParse(body);
    const detail = problem.success ? problem.data.detail : `HTTP ${status}`;
    if (status === 404) return new DashboardException(DashboardExceptionCode.NotFound, detail);
    if (status === 400 || status === 409 || status === 422)
      return new DashboardException(DashboardExceptionCode.Rejected, detail);
    this.logger.error(
      `admin API ${method} ${path} answered ${status} (${problem.success ? problem.data.code : 'no problem body'})`,
    );
    return new DashboardException(
      DashboardExceptionCode.ApiUnavailable,
      status === 401 || status === 403
        ? 'The controller refused the dashboard’s API key (check DASHBOARD_API_KEY and its scopes).'
        : status === 429
          ? 'The controller is rate limiting the dashboard. Try again in a moment.'
          : 'The controller could not answer right now. Try again in a moment.',
    );
  }
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
