import {
  Body,
  Controller,
  Get,
  Header,
  Logger,
  Param,
  Post,
  Query,
  Redirect,
  Req,
  Res,
} from '@nestjs/common';
import { AccessPolicy } from '@app/access';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type Viewer, viewerOf } from '../auth/viewer';
import { ControllerApiClient } from '../controller-api/controller-api.client';
import type { Pool } from '../controller-api/controller-api.schemas';
import { AUDIT_PAGE_SIZE, IDLE_SECONDS_MAX, IDLE_SECONDS_MIN } from '../dashboard.constants';
import { DashboardException, DashboardExceptionCode } from '../dashboard.exception';
import { LiveStateService } from '../live/live-state.service';
import { html, type HtmlValue } from '../web/html';
import { layout } from '../web/layout';
import {
  auditTable,
  deployForm,
  deployResult,
  guildsList,
  liveAgentsTable,
  poolsTable,
  registeredAgentsTable,
  sessionsTable,
  settingsForm,
  statCards,
  utilizationChart,
} from './pages.views';

const SNOWFLAKE = /^\d{17,20}$/;
const HTML = 'text/html; charset=utf-8';

const settingsBody = z.object({
  selectedPoolId: z.string().max(64),
  idleMode: z.enum(['default', 'off', 'custom']),
  idleSeconds: z.string().max(64).optional(),
});
const deployBody = z.object({
  poolId: z.string().min(1).max(64),
  desiredTotal: z.coerce.number().int().min(0).max(49),
});
const auditQuery = z.object({
  guild: z.string().regex(SNOWFLAKE).optional(),
  cursor: z.string().max(512).optional(),
});

/**
 * The dashboard's pages (server-rendered HTML): overview, agents, pools, sessions (release),
 * servers, one server (agents, sessions, settings, deploy planner), audit trail. Every page needs
 * a login; guild pages and actions check {@link Viewer.assertGuild} (403 otherwise, H5). All live
 * state comes from the controller admin API; mutations are CSRF-checked by the web setup.
 */
@Controller()
export class PagesController {
  private readonly logger = new Logger(PagesController.name);

  constructor(
    private readonly policy: AccessPolicy,
    private readonly api: ControllerApiClient,
    private readonly live: LiveStateService,
  ) {}

  /** Overview: agent counts, utilization chart and live sessions (all updated over SSE). */
  @Get()
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  async overview(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const viewer = viewerOf(request, this.policy);
    const snapshot = await this.live.snapshot(viewer);
    const csrfToken = reply.generateCsrf();
    return this.page(
      viewer,
      csrfToken,
      'Overview',
      '/',
      html`<div data-live-url="/live/events">
        ${viewer.isOwner ? '' : html`<p class="hint">Showing the servers where you have Manage Server.</p>`}
        ${statCards(snapshot)} ${utilizationChart(snapshot)}
        <section aria-labelledby="sessions-heading">
          <h2 id="sessions-heading">Sessions</h2>
          ${sessionsTable(snapshot.sessions, csrfToken)}
        </section>
      </div>`,
    );
  }

  /** Connected agents (and registered identities for bot owners). */
  @Get('agents')
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  async agents(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const viewer = viewerOf(request, this.policy);
    const [live, registered, pools] = await Promise.all([
      this.live.agents(viewer),
      viewer.isOwner ? this.api.agents() : Promise.resolve(null),
      viewer.isOwner ? this.api.pools() : Promise.resolve([]),
    ]);
    const poolNames = new Map(pools.map((pool) => [pool.id, pool.name]));
    return this.page(
      viewer,
      reply.generateCsrf(),
      'Agents',
      '/agents',
      html`${liveAgentsTable(live, viewer)}
      ${registered
        ? html`<h2>Registered identities</h2>
            ${registeredAgentsTable(registered, poolNames)}`
        : ''}`,
    );
  }

  /** Pools: all for bot owners, public ones for guild admins. */
  @Get('pools')
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  async pools(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const viewer = viewerOf(request, this.policy);
    const pools = await this.visiblePools(viewer);
    return this.page(viewer, reply.generateCsrf(), 'Pools', '/pools', poolsTable(pools));
  }

  /** Live sessions with release buttons. */
  @Get('sessions')
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  async sessions(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query('released') released?: string,
  ) {
    const viewer = viewerOf(request, this.policy);
    const snapshot = await this.live.snapshot(viewer);
    const csrfToken = reply.generateCsrf();
    return this.page(
      viewer,
      csrfToken,
      'Sessions',
      '/sessions',
      html`<div data-live-url="/live/events">
        ${released ? html`<p class="notice" role="status">Session released.</p>` : ''}
        ${sessionsTable(snapshot.sessions, csrfToken)}
      </div>`,
    );
  }

  /** Releases a session of a guild the viewer manages (its agent leaves the voice channel). */
  @Post('sessions/:sessionId/release')
  @Redirect()
  async release(@Req() request: FastifyRequest, @Param('sessionId') sessionId: string) {
    const viewer = viewerOf(request, this.policy);
    if (sessionId.length > 128)
      throw new DashboardException(DashboardExceptionCode.InvalidInput, 'No such session.');
    const session = (await this.api.sessions()).find((candidate) => candidate.sessionId === sessionId);
    if (!session)
      throw new DashboardException(DashboardExceptionCode.NotFound, 'That session has already ended.');
    viewer.assertGuild(session.guildId);
    await this.api.releaseSession(sessionId);
    this.logger.log(`user ${viewer.login.user.id} released session ${sessionId} in guild ${session.guildId}`);
    return { url: '/sessions?released=1', statusCode: 303 };
  }

  /** Servers the viewer manages. */
  @Get('guilds')
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  guilds(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const viewer = viewerOf(request, this.policy);
    return this.page(viewer, reply.generateCsrf(), 'Servers', '/guilds', guildsList(viewer.manageableGuilds));
  }

  /** One server: its agents and sessions (live), settings and deploy planner. 403 unless managed. */
  @Get('guilds/:guildId')
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  async guild(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('guildId') guildId: string,
    @Query('saved') saved?: string,
  ) {
    const viewer = viewerOf(request, this.policy);
    assertSnowflake(guildId);
    viewer.assertGuild(guildId);
    const [snapshot, agents, settings, pools] = await Promise.all([
      this.live.snapshot(viewer, guildId),
      this.live.agents(viewer, guildId),
      this.api.guildSettings(guildId),
      this.visiblePools(viewer),
    ]);
    const selectable = pools.some((pool) => pool.id === settings.selectedPoolId)
      ? pools
      : pools.concat((await this.api.pools()).filter((pool) => pool.id === settings.selectedPoolId));
    const csrfToken = reply.generateCsrf();
    const name = viewer.guildName(guildId);
    return this.page(
      viewer,
      csrfToken,
      `Server: ${name}`,
      '/guilds',
      html`<div data-live-url="/live/events?guild=${guildId}">
        ${saved ? html`<p class="notice" role="status">Settings saved.</p>` : ''} ${statCards(snapshot)}
        <section aria-labelledby="sessions-heading">
          <h2 id="sessions-heading">Sessions</h2>
          ${sessionsTable(snapshot.sessions, csrfToken)}
        </section>
        <h2>Agents in this server</h2>
        ${liveAgentsTable(agents, viewer)} ${settingsForm(guildId, settings, selectable, csrfToken)}
        ${deployForm(guildId, selectable, csrfToken)}
        <p><a href="/audit?guild=${guildId}">Audit trail of this server</a></p>
      </div>`,
    );
  }

  /** Saves a server's selected pool and idle policy. */
  @Post('guilds/:guildId/settings')
  @Redirect()
  async saveSettings(
    @Req() request: FastifyRequest,
    @Param('guildId') guildId: string,
    @Body() body: unknown,
  ) {
    const viewer = viewerOf(request, this.policy);
    assertSnowflake(guildId);
    viewer.assertGuild(guildId);
    const form = settingsBody.safeParse(body);
    if (!form.success)
      throw new DashboardException(DashboardExceptionCode.InvalidInput, 'Please fill in the form.');
    let idleReleaseSeconds: number | null = null;
    if (form.data.idleMode === 'off') idleReleaseSeconds = 0;
    if (form.data.idleMode === 'custom') {
      const text = form.data.idleSeconds?.trim() ?? '';
      idleReleaseSeconds = /^\d+$/.test(text) ? Number(text) : NaN;
      if (
        !Number.isSafeInteger(idleReleaseSeconds) ||
        idleReleaseSeconds < IDLE_SECONDS_MIN ||
        idleReleaseSeconds > IDLE_SECONDS_MAX
      )
        throw new DashboardException(
          DashboardExceptionCode.InvalidInput,
          `Idle seconds: a custom idle time must be a whole number of seconds from ${IDLE_SECONDS_MIN} to ${IDLE_SECONDS_MAX.toLocaleString('en-US')} (31 days).`,
        );
    }
    const selectedPoolId = form.data.selectedPoolId === '' ? null : form.data.selectedPoolId;
    if (selectedPoolId !== null && !viewer.isOwner) {
      const [pools, current] = await Promise.all([
        this.visiblePools(viewer),
        this.api.guildSettings(guildId),
      ]);
      if (!pools.some((pool) => pool.id === selectedPoolId) && current.selectedPoolId !== selectedPoolId)
        throw new DashboardException(DashboardExceptionCode.Forbidden, 'This server cannot use that pool.');
    }
    await this.api.updateGuildSettings(guildId, {
      selectedPoolId,
      idleReleaseSeconds,
    });
    this.logger.log(`user ${viewer.login.user.id} changed the settings of guild ${guildId}`);
    return { url: `/guilds/${guildId}?saved=1`, statusCode: 303 };
  }

  /**
   * Deploy planner: asks the controller for the invite links the server still needs, keeps the
   * plan in the session and answers 303 to `GET /guilds/{guildId}/deploy` (Post/Redirect/Get, so
   * a refresh shows the plan again instead of planning twice).
   */
  @Post('guilds/:guildId/deploy')
  @Redirect()
  async deploy(@Req() request: FastifyRequest, @Param('guildId') guildId: string, @Body() body: unknown) {
    const viewer = viewerOf(request, this.policy);
    assertSnowflake(guildId);
    viewer.assertGuild(guildId);
    const form = deployBody.safeParse(body);
    if (!form.success)
      throw new DashboardException(
        DashboardExceptionCode.InvalidInput,
        'Choose a pool and a total from 0 to 49.',
      );
    const pools = await this.visiblePools(viewer);
    const settings = await this.api.guildSettings(guildId);
    if (!pools.some((pool) => pool.id === form.data.poolId) && settings.selectedPoolId !== form.data.poolId)
      throw new DashboardException(DashboardExceptionCode.Forbidden, 'This server cannot use that pool.');
    const deployment = await this.api.deploy({ guildId, ...form.data });
    request.session.set('deployPlan', { guildId, deployment });
    this.logger.log(
      `user ${viewer.login.user.id} planned ${form.data.desiredTotal} agents into guild ${guildId}`,
    );
    return { url: `/guilds/${guildId}/deploy`, statusCode: 303 };
  }

  /** The last deploy plan of this server (from the session); without one, back to the server. */
  @Get('guilds/:guildId/deploy')
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  deployPlan(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('guildId') guildId: string,
  ) {
    const viewer = viewerOf(request, this.policy);
    assertSnowflake(guildId);
    viewer.assertGuild(guildId);
    const plan = request.session.get('deployPlan');
    if (!plan || plan.guildId !== guildId) {
      void reply.status(303).header('location', `/guilds/${guildId}`);
      return '';
    }
    return this.page(
      viewer,
      reply.generateCsrf(),
      'Deploy plan',
      '/guilds',
      deployResult(guildId, plan.deployment),
    );
  }

  /** Audit trail, newest first, paginated; guild admins see their servers' events only. */
  @Get('audit')
  @Header('content-type', HTML)
  @Header('cache-control', 'no-store')
  async audit(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Query() query: Record<string, unknown>,
  ) {
    const viewer = viewerOf(request, this.policy);
    const parsed = auditQuery.safeParse(query);
    if (!parsed.success)
      throw new DashboardException(DashboardExceptionCode.InvalidInput, 'Bad audit page link.');
    const guildId = parsed.data.guild ?? (viewer.isOwner ? undefined : viewer.manageableGuilds[0]?.id);
    const csrfToken = reply.generateCsrf();
    if (!guildId && !viewer.isOwner)
      return this.page(
        viewer,
        csrfToken,
        'Audit trail',
        '/audit',
        html`<p>You do not manage any server.</p>`,
      );
    if (guildId) viewer.assertGuild(guildId);
    const page = await this.api.auditEvents({
      limit: AUDIT_PAGE_SIZE,
      cursor: parsed.data.cursor,
      ...(guildId ? { targetType: 'guild', targetId: guildId } : {}),
    });
    const base = guildId ? `/audit?guild=${guildId}` : '/audit';
    const join = base.includes('?') ? '&' : '?';
    const picker = viewer.manageableGuilds.length
      ? html`<form method="get" action="/audit">
          <label for="audit-guild">Server</label>
          <select id="audit-guild" name="guild">
            ${viewer.isOwner ? html`<option value="">All events</option>` : ''}
            ${viewer.manageableGuilds.map(
              (guild) =>
                html`<option value="${guild.id}" ${guild.id === guildId ? html`selected` : ''}>
                  ${guild.name}
                </option>`,
            )}
          </select>
          <button type="submit">Show</button>
        </form>`
      : '';
    return this.page(
      viewer,
      csrfToken,
      'Audit trail',
      '/audit',
      html`${picker}
      ${auditTable(
        page.items,
        page.nextCursor ? `${base}${join}cursor=${encodeURIComponent(page.nextCursor)}` : null,
        parsed.data.cursor ? base : null,
      )}`,
    );
  }

  private async visiblePools(viewer: Viewer): Promise<Pool[]> {
    const pools = await this.api.pools();
    return viewer.isOwner ? pools : pools.filter((pool) => pool.visibility === 'public');
  }

  private page(viewer: Viewer, csrfToken: string, title: string, current: string, body: HtmlValue): string {
    return layout({ title, current, viewer, csrfToken, body }).toString();
  }
}

function assertSnowflake(guildId: string): void {
  if (!SNOWFLAKE.test(guildId))
    throw new DashboardException(DashboardExceptionCode.NotFound, 'There is no such server.');
}
