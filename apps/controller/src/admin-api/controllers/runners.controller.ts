import { Body, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiKeyScope } from '@app/access';
import { type Actor, RunnersService } from '@app/pools';
import { AdminActor } from '../admin-api.request';
import { AdminApiController, AdminRoute, ApiProblem } from '../admin-route.decorators';
import { PageQueryDto } from '../dto/common.dto';
import { RunnerCreateDto, RunnerCreatedDto, RunnerPageDto, RunnerResponseDto } from '../dto/runner.dto';
import { paginate } from '../pagination';
import { toRunnerDto } from '../view-mappers';

/** Agent runner credentials: issue (secret shown once), list, revoke (`/api/v1/runners`). */
@AdminApiController('runners', 'runners')
export class RunnersAdminController {
  constructor(private readonly runners: RunnersService) {}

  /** Runners with their live lease counts, by runner id (admin scope: runner ids are infrastructure). */
  @Get()
  @AdminRoute(ApiKeyScope.Admin)
  async list(@Query() query: PageQueryDto): Promise<RunnerPageDto> {
    const page = paginate('runners', await this.runners.list(), (runner) => runner.runnerId, query);
    return { items: page.items.map(toRunnerDto), nextCursor: page.nextCursor };
  }

  /** Issues a runner credential; the secret is in this response only. */
  @Post()
  @AdminRoute(ApiKeyScope.Admin)
  async create(@Body() body: RunnerCreateDto, @AdminActor() actor: Actor): Promise<RunnerCreatedDto> {
    const created = await this.runners.create({ capacity: body.capacity }, actor);
    return { runnerId: created.runnerId, secret: created.secret, runner: toRunnerDto(created.runner) };
  }

  /** Revokes a runner credential and releases its leases. Idempotent. */
  @Delete(':runnerId')
  @AdminRoute(ApiKeyScope.Admin)
  @ApiProblem(404, 'No such runner (runner-not-found).')
  async revoke(@Param('runnerId') runnerId: string, @AdminActor() actor: Actor): Promise<RunnerResponseDto> {
    return toRunnerDto(await this.runners.revoke(runnerId, actor));
  }
}
