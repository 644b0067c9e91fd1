import { Body, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { type ApiKeyBinding, ApiKeyScope } from '@app/access';
import { type Actor, AgentRegistrationsService, PoolsService } from '@app/pools';
import type { SessionKind } from '@app/protocol';
import { AgentRegistry, SessionRegistry } from '@app/sessions';
import { AdminActor } from '../admin-api.request';
import { AdminBinding, AdminKeyBinding, BindingResolver } from '../key-binding';
import { AdminApiController, AdminRoute, ApiProblem } from '../admin-route.decorators';
import {
  AgentPinDto,
  LiveAgentListQueryDto,
  LiveAgentPageDto,
  SessionAssignDto,
  SessionListQueryDto,
  SessionPageDto,
  SessionReleasedDto,
} from '../dto/live.dto';
import { paginate } from '../pagination';
import { SessionsAdminUseCase } from '../sessions-admin.use-case';
import { toLiveAgentDto, toLiveAgentLabels, toSessionDto } from '../view-mappers';

/** Live agents announced by runners (`/api/v1/live/agents`). */
@AdminApiController('live', 'live')
export class LiveAgentsAdminController {
  constructor(
    private readonly registry: AgentRegistry,
    private readonly sessions: SessionRegistry,
    private readonly registrations: AgentRegistrationsService,
    private readonly pools: PoolsService,
  ) {}

  /**
   * Live agents on this controller, by agent id, with their registration tag and pool name. A
   * guild-bound key sees only agents in its guild, and of each only that guild (guild ids, voice
   * channels, session count).
   */
  @Get('agents')
  @AdminRoute(ApiKeyScope.Read)
  @AdminBinding({ guild: [{ in: 'query', name: 'guildId', fill: true }] })
  async list(
    @Query() query: LiveAgentListQueryDto,
    @AdminKeyBinding() binding: ApiKeyBinding,
  ): Promise<LiveAgentPageDto> {
    const agents = [...this.registry.all()].filter(
      (agent) => !query.guildId || agent.guilds.has(query.guildId),
    );
    const page = paginate('live/agents', agents, (agent) => agent.agentId, query);
    const labels = page.items.length
      ? toLiveAgentLabels(await this.registrations.list(), await this.pools.list())
      : toLiveAgentLabels([], []);
    return {
      items: page.items.map((agent) =>
        toLiveAgentDto(agent, this.registry, this.sessions, labels, binding.guildId),
      ),
      nextCursor: page.nextCursor,
    };
  }
}

/** Live sessions: list, release, assign (`/api/v1/sessions`). */
@AdminApiController('sessions', 'sessions')
export class SessionsAdminController {
  constructor(
    private readonly sessions: SessionRegistry,
    private readonly useCase: SessionsAdminUseCase,
  ) {}

  /** Live sessions, by session id. */
  @Get()
  @AdminRoute(ApiKeyScope.Read)
  @AdminBinding({ guild: [{ in: 'query', name: 'guildId', fill: true }] })
  list(@Query() query: SessionListQueryDto): SessionPageDto {
    const all = query.guildId ? this.sessions.byGuild(query.guildId) : [...this.sessions.all()];
    const kind = query.kind as SessionKind | undefined;
    const page = paginate(
      'sessions',
      all.filter((session) => !kind || session.kind === kind),
      (session) => session.sessionId,
      query,
    );
    return { items: page.items.map(toSessionDto), nextCursor: page.nextCursor };
  }

  /** Pins a live agent to a voice channel: allocation there chooses it while the pin holds. */
  @Post('assign')
  @AdminRoute(ApiKeyScope.Write)
  @AdminBinding({ guild: [{ in: 'body', name: 'guildId' }] })
  @ApiProblem(409, 'The agent is not connected (agent-offline).')
  async assign(@Body() body: SessionAssignDto, @AdminActor() actor: Actor): Promise<AgentPinDto> {
    const pin = await this.useCase.assign(body, actor);
    return { ...pin, expiresAt: new Date(pin.expiresAt) };
  }

  /** Releases a session; its agent is asked to stop and leave the voice channel. */
  @Delete(':sessionId')
  @AdminRoute(ApiKeyScope.Write)
  @AdminBinding({ guild: [{ in: 'param', name: 'sessionId', via: BindingResolver.Session }] })
  @ApiProblem(404, 'No such live session (not-found).')
  async release(
    @Param('sessionId') sessionId: string,
    @AdminActor() actor: Actor,
  ): Promise<SessionReleasedDto> {
    const released = await this.useCase.release(sessionId, actor);
    return { session: toSessionDto(released.session), agentLeft: released.agentLeft };
  }
}
