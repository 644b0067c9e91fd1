import { applyDecorators, Controller, SetMetadata, UseGuards, UsePipes } from '@nestjs/common';
import type { ApiKeyScope } from '@app/access';
import {
  ApiBearerAuth,
  ApiExtension,
  ApiExtraModels,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import {
  ADMIN_API_PREFIX,
  ADMIN_API_SCOPE,
  API_KEY_SECURITY_SCHEME,
  PROBLEM_CONTENT_TYPE,
} from './admin-api.constants';
import { adminApiValidationPipe } from './admin-api.validation';
import { ApiKeyGuard } from './api-key.guard';
import { ProblemDto } from './dto/common.dto';

/** An error response documented as `application/problem+json` with the {@link ProblemDto} schema. */
export function ApiProblem(status: number, description: string): MethodDecorator & ClassDecorator {
  return ApiResponse({
    status,
    description,
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDto) } } },
  });
}

/**
 * Declares an admin API controller: `Controller('api/v1/<path>')`, the API key guard, the
 * validation pipe, a Swagger tag, and the problem schema. Every route in it must also declare `@AdminRoute(scope)`.
 */
export function AdminApiController(path: string, tag: string): ClassDecorator {
  return applyDecorators(
    Controller(`${ADMIN_API_PREFIX}/${path}`),
    UseGuards(ApiKeyGuard),
    UsePipes(adminApiValidationPipe()),
    ApiTags(tag),
    ApiExtraModels(ProblemDto),
  );
}

/**
 * The scope a route requires (`read` for GETs, `write` for changes, `admin` for runner and API
 * key credentials). The guard refuses routes without it, and a unit test walks every admin
 * route to prove each declares one. Also documents bearer auth and the 400/401/403/429 problems.
 */
export function AdminRoute(scope: ApiKeyScope): MethodDecorator {
  return applyDecorators(
    SetMetadata(ADMIN_API_SCOPE, scope),
    ApiBearerAuth(API_KEY_SECURITY_SCHEME),
    ApiExtension('x-required-scope', scope),
    ApiProblem(400, 'Invalid input (validation-failed, invalid-input, invalid-cursor).'),
    ApiProblem(401, 'Missing, invalid, revoked or expired API key (unauthenticated).'),
    ApiProblem(
      403,
      `The key lacks the ${scope} scope (insufficient-scope), or is bound to a guild or pool this route is not about (outside-key-binding).`,
    ),
    ApiProblem(429, 'Too many requests for this key (rate-limited); see Retry-After.'),
  );
}
