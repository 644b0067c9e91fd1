import { Body, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiKeyScope } from '@app/access';
import { type Actor, AgentRegistrationsService, AgentStatus, LeasesService, PoolsService } from '@app/pools';
import { AgentRegistry, SessionRegistry } from '@app/sessions';
import { TokenVerificationError, verifyBotToken } from '../../cli/discord-token-verifier';
import { ADMIN_API_OPTIONS, type AdminApiOptions } from '../admin-api.constants';
import { AdminApiErrorCode, AdminApiException } from '../admin-api.exception';
import { AdminActor } from '../admin-api.request';
import { AdminBinding, BindingResolver } from '../key-binding';
import { AdminApiController, AdminRoute, ApiProblem } from '../admin-route.decorators';
import {
  AgentDiagnosisDto,
  AgentListQueryDto,
  AgentMoveDto,
  AgentPageDto,
  AgentRegisterDto,
  AgentRegisteredDto,
  AgentResponseDto,
  AgentStatusUpdateDto,
} from '../dto/agent.dto';
import { paginate } from '../pagination';
import { toAgentDto, toLiveAgentDto, toLiveAgentLabels } from '../view-mappers';

/** Agent registrations: register a token, status, revoke, move, diagnose (`/api/v1/agents`). */
@AdminApiController('agents', 'agents')
export class AgentsAdminController {
  constructor(
    private readonly registrations: AgentRegistrationsService,
    private readonly leases: LeasesService,
    private readonly registry: AgentRegistry,
    private readonly sessions: SessionRegistry,
    private readonly pools: PoolsService,
    @Inject(ADMIN_API_OPTIONS) private readonly options: AdminApiOptions,
  ) {}

  /** Registrations (tokens masked) with their live state, by agent id. */
  @Get()
  @AdminRoute(ApiKeyScope.Read)
  @AdminBinding({ pool: [{ in: 'query', name: 'poolId', fill: true }] })
  async list(@Query() query: AgentListQueryDto): Promise<AgentPageDto> {
    const rows = await this.registrations.list({ poolId: query.poolId, status: query.status });
    const page = paginate('agents', rows, (agent) => agent.agentId, query);
    return {
      items: page.items.map((agent) => toAgentDto(agent, this.registry.get(agent.agentId))),
      nextCursor: page.nextCursor,
    };
  }

  /**
   * Registers a bot token in a pool. The token is checked with Discord first (`GET /users/@me`
   * must return the bot whose id is `clientId`) unless `skipVerify` is true; it is stored
   * encrypted and never returned.
   */
  @Post()
  @AdminRoute(ApiKeyScope.Write)
  @AdminBinding({ pool: [{ in: 'body', name: 'poolId' }] })
  @ApiProblem(404, 'No such pool (pool-not-found).')
  @ApiProblem(409, 'Already registered, revoked, or over a limit (agent-exists, agent-revoked, ...).')
  @ApiProblem(422, 'Discord did not accept the token (token-rejected).')
  async register(@Body() body: AgentRegisterDto, @AdminActor() actor: Actor): Promise<AgentRegisteredDto> {
    if (!body.skipVerify) {
      try {
        await verifyBotToken(this.options.discordApiUrl, body.token, body.clientId);
      } catch (error) {
        if (!(error instanceof TokenVerificationError)) throw error;
        throw new AdminApiException(
          AdminApiErrorCode.TokenRejected,
          'Discord did not confirm this bot token for the given client id; check the token, or set skipVerify to store it unverified.',
        );
      }
    }
    const { agent, contribution } = await this.registrations.register(
      {
        poolId: body.poolId,
        clientId: body.clientId,
        tag: body.tag,
        token: body.token,
        contributedBy: body.contributedBy,
      },
      actor,
    );
    return {
      agent: toAgentDto(agent, this.registry.get(agent.agentId)),
      contributionId: contribution?.id ?? null,
    };
  }

  /** One registration with its live state. */
  @Get(':agentId')
  @AdminRoute(ApiKeyScope.Read)
  @AdminBinding({ pool: [{ in: 'param', name: 'agentId', via: BindingResolver.Agent }] })
  @ApiProblem(404, 'No such agent (agent-not-found).')
  async get(@Param('agentId') agentId: string): Promise<AgentResponseDto> {
    return toAgentDto(await this.registrations.get(agentId), this.registry.get(agentId));
  }

  /** Changes an agent's status (`revoked` is final and erases the token). */
  @Patch(':agentId')
  @AdminRoute(ApiKeyScope.Write)
  @AdminBinding({ pool: [{ in: 'param', name: 'agentId', via: BindingResolver.Agent }] })
  @ApiProblem(404, 'No such agent (agent-not-found).')
  @ApiProblem(
    409,
    'Not allowed from the current status (invalid-status-transition, agent-revoked, pool-at-capacity).',
  )
  async setStatus(
    @Param('agentId') agentId: string,
    @Body() body: AgentStatusUpdateDto,
    @AdminActor() actor: Actor,
  ): Promise<AgentResponseDto> {
    const agent = await this.registrations.setStatus(agentId, body.status, actor);
    return toAgentDto(agent, this.registry.get(agentId));
  }

  /** Revokes an agent for good: token erased, lease released. Idempotent. */
  @Delete(':agentId')
  @AdminRoute(ApiKeyScope.Write)
  @AdminBinding({ pool: [{ in: 'param', name: 'agentId', via: BindingResolver.Agent }] })
  @ApiProblem(404, 'No such agent (agent-not-found).')
  async revoke(@Param('agentId') agentId: string, @AdminActor() actor: Actor): Promise<AgentResponseDto> {
    return toAgentDto(await this.registrations.revoke(agentId, actor), this.registry.get(agentId));
  }

  /** Moves an agent to another pool; its token keeps decrypting. */
  @Post(':agentId/move')
  @HttpCode(200)
  @AdminRoute(ApiKeyScope.Write)
  @AdminBinding({
    pool: [
      { in: 'param', name: 'agentId', via: BindingResolver.Agent },
      { in: 'body', name: 'poolId' },
    ],
  })
  @ApiProblem(404, 'No such agent or pool (agent-not-found, pool-not-found).')
  @ApiProblem(409, 'Revoked, or the target pool is full (agent-revoked, pool-at-capacity).')
  async move(
    @Param('agentId') agentId: string,
    @Body() body: AgentMoveDto,
    @AdminActor() actor: Actor,
  ): Promise<AgentResponseDto> {
    const agent = await this.registrations.moveAgent(agentId, body.poolId, actor);
    return toAgentDto(agent, this.registry.get(agentId));
  }

  /** What keeps an agent from serving, with the fix for each finding. */
  @Get(':agentId/diagnose')
  @AdminRoute(ApiKeyScope.Read)
  @AdminBinding({ pool: [{ in: 'param', name: 'agentId', via: BindingResolver.Agent }] })
  @ApiProblem(404, 'No such agent (agent-not-found).')
  async diagnose(@Param('agentId') agentId: string): Promise<AgentDiagnosisDto> {
    const view = await this.registrations.get(agentId);
    const live = this.registry.get(agentId);
    const leaseHolder = await this.leases.holder(agentId);
    const findings: string[] = [];
    if (view.status !== AgentStatus.Active)
      findings.push(`Status is ${view.status}; only active agents are leased to runners.`);
    if (!view.tokenUsable)
      findings.push(`The stored token is ${view.tokenMasked}; register the token again.`);
    if (view.backoffUntil && view.backoffUntil.getTime() > Date.now())
      findings.push(
        `Discord logins failed ${view.failureCount} time(s); next attempt after ${view.backoffUntil.toISOString()}.`,
      );
    if (view.status === AgentStatus.Active && !leaseHolder)
      findings.push('No runner holds its lease; check that a runner with free capacity is connected.');
    if (leaseHolder && !live) findings.push(`Leased to ${leaseHolder}, which does not announce it yet.`);
    if (live && !live.ready) findings.push('Connected, but its Discord client is not ready yet.');
    if (live && live.guilds.size === 0) findings.push('It is in no guild; deploy it with an invite URL.');
    return {
      agent: toAgentDto(view, live),
      live: live
        ? toLiveAgentDto(
            live,
            this.registry,
            this.sessions,
            toLiveAgentLabels([view], await this.pools.list()),
          )
        : null,
      leaseHolder,
      findings,
    };
  }
}
