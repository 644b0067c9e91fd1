import { type DynamicModule, Module } from '@nestjs/common';
import { PoolsModule, type PoolsModuleOptions } from '@app/pools';
import { IdentityManager } from '../identities/identity-manager.service';
import { LeaseLoop } from '../leases/lease-loop.service';
import { RUNNER_OPTIONS, type RunnerOptions } from './runner.options';
import { RunnerMetrics } from './runner-metrics.service';
import { RunnerService } from './runner.service';

/** Options of {@link RunnerModule.forRoot}. */
export interface RunnerModuleOptions {
  runner: RunnerOptions;
  pools: PoolsModuleOptions;
}

/**
 * The runner context: identities, lease loop and the control connection, on the pools context
 * (leases, registrations, token decryption) which it imports. Needs a global `MetricsModule`
 * (app `agents`) for `ChopsticksMetrics`.
 */
@Module({})
export class RunnerModule {
  static forRoot(options: RunnerModuleOptions): DynamicModule {
    return {
      module: RunnerModule,
      imports: [PoolsModule.forRoot(options.pools)],
      providers: [
        { provide: RUNNER_OPTIONS, useValue: options.runner },
        IdentityManager,
        LeaseLoop,
        RunnerMetrics,
        RunnerService,
      ],
      exports: [RunnerService, IdentityManager, LeaseLoop],
    };
  }
}
