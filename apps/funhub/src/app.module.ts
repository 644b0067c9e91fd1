import { DynamicModule, Module, ValidationPipe, type ValidationError } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { LifecycleModule } from '@app/lifecycle';
import { MetricsModule } from '@app/metrics';
import { FunCatalogModule } from './catalog/fun-catalog.module';
import { type FieldErrors, FunhubErrorCode, FunhubException } from './catalog/funhub.exception';
import type { FunhubConfig } from './config/funhub.config';
import { HealthModule } from './health/health.module';
import { ProblemDetailsFilter } from './http/problem-details.filter';

/** Composition root of the FunHub: wires libs and feature modules, holds no logic. */
@Module({})
export class FunhubAppModule {
  /** @param config validated configuration (see `loadFunhubConfig`) */
  static forRoot(config: FunhubConfig): DynamicModule {
    return {
      module: FunhubAppModule,
      imports: [
        LifecycleModule.forRoot('funhub', config),
        MetricsModule.forRoot({ app: 'funhub', token: config.METRICS_TOKEN }),
        HealthModule,
        FunCatalogModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({
            whitelist: true,
            forbidNonWhitelisted: true,
            forbidUnknownValues: true,
            transform: true,
            exceptionFactory: (errors) =>
              new FunhubException(
                FunhubErrorCode.InvalidRequest,
                'The request has invalid or unknown fields.',
                fieldErrors(errors),
              ),
          }),
        },
      ],
    };
  }
}

function fieldErrors(errors: ValidationError[], parent = ''): FieldErrors[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, messages: Object.values(error.constraints) }] : [];
    return [...own, ...fieldErrors(error.children ?? [], field)];
  });
}
