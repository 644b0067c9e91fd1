import { Body, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiNoContentResponse } from '@nestjs/swagger';
import { type ApiKeyBinding, ApiKeyScope } from '@app/access';
import {
  type Actor,
  AgentRegistrationsService,
  PoolsException,
  PoolsExceptionCode,
  PoolsService,
} from '@app/pools';
import { AdminActor } from '../admin-api.request';
import { AdminBinding, AdminKeyBinding } from '../key-binding';
import { AdminApiController, AdminRoute, ApiProblem } from '../admin-route.decorators';
import { PageQueryDto } from '../dto/common.dto';
import {
  ContributionListQueryDto,
  ContributionPageDto,
  ContributionResponseDto,
  PoolCreateDto,
  PoolMemberGrantDto,
  PoolMemberPageDto,
  PoolMemberResponseDto,
  PoolPageDto,
  PoolResponseDto,
  PoolTransferDto,
  PoolUpdateDto,
} from '../dto/pool.dto';
import { paginate } from '../pagination';
import { toContributionDto, toMemberDto, toPoolDto } from '../view-mappers';

/** Pools, their members, ownership transfer and token contributions (`/api/v1/pools`). */
@AdminApiController('pools', 'pools')
export class PoolsAdminController {
  constructor(
    private readonly pools: PoolsService,
    private readonly registrations: AgentRegistrationsService,
  ) {}

  /** Lists every pool (a pool-bound key: its pool), by id. */
  @Get()
  @AdminRoute(ApiKeyScope.Read)
  @AdminBinding({ pool: [{ in: 'list' }] })
  async list(@Query() query: PageQueryDto, @AdminKeyBinding() binding: ApiKeyBinding): Promise<PoolPageDto> {
    const visible = (await this.pools.list()).filter(
      (pool) => binding.poolId === null || pool.id === binding.poolId,
    );
    const page = paginate('pools', visible, (pool) => pool.id, query);
    return { items: page.items.map(toPoolDto), nextCursor: page.nextCursor };
  }

  /** Creates `pool_<ownerId>` owned by a Discord user. */
  @Post()
  @AdminRoute(ApiKeyScope.Write)
  @ApiProblem(409, 'The owner already owns a pool (pool-exists).')
  async create(@Body() body: PoolCreateDto, @AdminActor() actor: Actor): Promise<PoolResponseDto> {
    return toPoolDto(await this.pools.create(body, actor));
  }

  /** One pool. */
  @Get(':poolId')
  @AdminRoute(ApiKeyScope.Read)
  @AdminBinding({ pool: [{ in: 'param', name: 'poolId' }] })
  @ApiProblem(404, 'No such pool (pool-not-found).')
  async get(@Param('poolId') poolId: string): Promise<PoolResponseDto> {
    return toPoolDto(await this.pools.get(poolId));
  }

  /** Changes a pool's visibility. */
  @Patch(':poolId')
  @AdminRoute(ApiKeyScope.Write)
  @AdminBinding({ pool: [{ in: 'param', name: 'poolId' }] })
  @ApiProblem(404, 'No such pool (pool-not-found).')
  async update(
    @Param('poolId') poolId: string,
    @Body() body: PoolUpdateDto,
    @AdminActor() actor: Actor,
  ): Promise<PoolResponseDto> {
    return toPoolDto(await this.pools.setVisibility(poolId, body.visibility, actor));
  }

  /** Deletes a pool that has no registered agents. */
  @Delete(':poolId')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Done.' })
  @AdminRoute(ApiKeyScope.Write)
  @AdminBinding({ pool: [{ in: 'param', name: 'poolId' }] })
  @ApiProblem(404, 'No such pool (pool-not-found).')
  @ApiProblem(409, 'The pool still has agents (pool-not-empty).')
  async remove(@Param('poolId') poolId: string, @AdminActor() actor: Actor): Promise<void> {
    await this.pools.delete(poolId, actor);
  }

  /** Members of a pool, owner first. */
  @Get(':poolId/members')
  @AdminRoute(ApiKeyScope.Read)
  @AdminBinding({ pool: [{ in: 'param', name: 'poolId' }] })
  @ApiProblem(404, 'No such pool (pool-not-found).')
  async members(@Param('poolId') poolId: string, @Query() query: PageQueryDto): Promise<PoolMemberPageDto> {
    const page = paginate(
      `pools/${poolId}/members`,
      await this.pools.members(poolId),
      (m) => m.userId,
      query,
    );
    return { items: page.items.map(toMemberDto), nextCursor: page.nextCursor };
  }

  /** Grants a role (manager, contributor or viewer) to a user. */
  @Put(':poolId/members/:userId')
  @AdminRoute(ApiKeyScope.Write)
  @AdminBinding({ pool: [{ in: 'param', name: 'poolId' }] })
  @ApiProblem(404, 'No such pool (pool-not-found).')
  async grant(
    @Param('poolId') poolId: string,
    @Param('userId') userId: string,
    @Body() body: PoolMemberGrantDto,
    @AdminActor() actor: Actor,
  ): Promise<PoolMemberResponseDto> {
    return toMemberDto(await this.pools.grantMember(poolId, userId, body.role, actor));
  }

  /** Removes a member (not the owner). */
  @Delete(':poolId/members/:userId')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Done.' })
  @AdminRoute(ApiKeyScope.Write)
  @AdminBinding({ pool: [{ in: 'param', name: 'poolId' }] })
  @ApiProblem(404, 'No such pool or member (pool-not-found, member-not-found).')
  async revokeMember(
    @Param('poolId') poolId: string,
    @Param('userId') userId: string,
    @AdminActor() actor: Actor,
  ): Promise<void> {
    await this.pools.revokeMember(poolId, userId, actor);
  }

  /** Transfers ownership from the current owner to another user, in one transaction. */
  @Post(':poolId/transfer')
  @HttpCode(200)
  @AdminRoute(ApiKeyScope.Write)
  @AdminBinding({ pool: [{ in: 'param', name: 'poolId' }] })
  @ApiProblem(404, 'No such pool (pool-not-found).')
  @ApiProblem(409, 'The new owner already owns a pool (pool-exists).')
  async transfer(
    @Param('poolId') poolId: string,
    @Body() body: PoolTransferDto,
    @AdminActor() actor: Actor,
  ): Promise<PoolResponseDto> {
    const pool = await this.pools.get(poolId);
    return toPoolDto(await this.pools.transfer(poolId, pool.ownerId, body.toUserId, actor));
  }

  /** Token contributions of a pool, newest first. */
  @Get(':poolId/contributions')
  @AdminRoute(ApiKeyScope.Read)
  @AdminBinding({ pool: [{ in: 'param', name: 'poolId' }] })
  @ApiProblem(404, 'No such pool (pool-not-found).')
  async contributions(
    @Param('poolId') poolId: string,
    @Query() query: ContributionListQueryDto,
  ): Promise<ContributionPageDto> {
    await this.pools.get(poolId);
    const rows = await this.registrations.listContributions(poolId, query.status);
    const page = paginate(`pools/${poolId}/contributions`, rows, (row) => row.id, query);
    return { items: page.items.map(toContributionDto), nextCursor: page.nextCursor };
  }

  /** Approves a pending contribution: the agent becomes active. */
  @Post(':poolId/contributions/:contributionId/approve')
  @HttpCode(200)
  @AdminRoute(ApiKeyScope.Write)
  @AdminBinding({ pool: [{ in: 'param', name: 'poolId' }] })
  @ApiProblem(404, 'No such contribution (contribution-not-found).')
  @ApiProblem(409, 'Already decided, or the pool is full (contribution-decided, pool-at-capacity).')
  async approve(
    @Param('poolId') poolId: string,
    @Param('contributionId') contributionId: string,
    @AdminActor() actor: Actor,
  ): Promise<ContributionResponseDto> {
    await this.assertContributionOf(poolId, contributionId);
    return toContributionDto(await this.registrations.approveContribution(contributionId, actor));
  }

  /** Rejects a pending contribution: the agent is revoked and its token erased. */
  @Post(':poolId/contributions/:contributionId/reject')
  @HttpCode(200)
  @AdminRoute(ApiKeyScope.Write)
  @AdminBinding({ pool: [{ in: 'param', name: 'poolId' }] })
  @ApiProblem(404, 'No such contribution (contribution-not-found).')
  @ApiProblem(409, 'Already decided (contribution-decided).')
  async reject(
    @Param('poolId') poolId: string,
    @Param('contributionId') contributionId: string,
    @AdminActor() actor: Actor,
  ): Promise<ContributionResponseDto> {
    await this.assertContributionOf(poolId, contributionId);
    return toContributionDto(await this.registrations.rejectContribution(contributionId, actor));
  }

  /** A contribution addressed under another pool is reported as not found (BOLA). */
  private async assertContributionOf(poolId: string, contributionId: string): Promise<void> {
    const rows = await this.registrations.listContributions(poolId);
    if (!rows.some((row) => row.id === contributionId)) {
      throw new PoolsException(
        PoolsExceptionCode.ContributionNotFound,
        `Contribution ${contributionId} does not exist in ${poolId}.`,
      );
    }
  }
}
