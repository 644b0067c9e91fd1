import { Body, Get, Param, Post } from '@nestjs/common';
import { type ApiKeyBinding, ApiKeyScope, AuditService } from '@app/access';
import { type Actor, PoolsService } from '@app/pools';
import { DeployUseCase, DeployVerificationQueue } from '../../deploy';
import { AdminActor } from '../admin-api.request';
import { AdminBinding, AdminKeyBinding, assertPoolUsable, BindingResolver } from '../key-binding';
import { AdminApiController, AdminRoute, ApiProblem } from '../admin-route.decorators';
import { DeployJobStatusDto, DeploymentCreateDto, DeploymentResponseDto } from '../dto/deployment.dto';

/** Deploy plans and their verification jobs (`/api/v1/deployments`, SPEC §5). */
@AdminApiController('deployments', 'deployments')
export class DeploymentsAdminController {
  constructor(
    private readonly deploy: DeployUseCase,
    private readonly verification: DeployVerificationQueue,
    private readonly audit: AuditService,
    private readonly pools: PoolsService,
  ) {}

  /**
   * Plans agents of a pool into a guild: invite URLs for what the guild still needs, diagnostics
   * for unusable registrations, and a verification job when anything was invited. A guild-bound
   * key (whether or not also bound to a pool) deploys into its guild from public pools and its bound
   * pool; a key bound to a pool only deploys from that pool.
   */
  @Post()
  @AdminRoute(ApiKeyScope.Write)
  @AdminBinding({
    guild: [{ in: 'body', name: 'guildId' }],
    pool: [{ in: 'body', name: 'poolId', use: true }],
  })
  @ApiProblem(
    404,
    'No such pool, or a private pool a guild-bound key may not use (pool-not-accessible, pool-not-found).',
  )
  async plan(
    @Body() body: DeploymentCreateDto,
    @AdminActor() actor: Actor,
    @AdminKeyBinding() binding: ApiKeyBinding,
  ): Promise<DeploymentResponseDto> {
    await assertPoolUsable(this.pools, binding, body.poolId, actor.id);
    const result = await this.deploy.execute({
      guildId: body.guildId,
      poolId: body.poolId,
      desiredTotal: body.desiredTotal,
      actorUserId: actor.id,
      operator: true,
    });
    await this.audit.record({
      actor: actor.id,
      requestId: actor.requestId,
      action: 'deploy.plan',
      targetType: 'guild',
      targetId: body.guildId,
      payload: {
        poolId: body.poolId,
        desiredTotal: body.desiredTotal,
        invited: result.plan.invites.map((invite) => invite.agentId),
        jobId: result.verification?.jobId ?? null,
      },
    });
    return result;
  }

  /** Status of a deploy verification job. */
  @Get('jobs/:jobId')
  @AdminRoute(ApiKeyScope.Read)
  @AdminBinding({ guild: [{ in: 'param', name: 'jobId', via: BindingResolver.DeployJob }] })
  @ApiProblem(404, 'No such job (job-not-found).')
  @ApiProblem(503, 'Verification is disabled: no Redis (verification-disabled).')
  async job(@Param('jobId') jobId: string): Promise<DeployJobStatusDto> {
    return this.verification.status(jobId);
  }
}
