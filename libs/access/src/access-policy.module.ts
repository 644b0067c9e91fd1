import { Module } from '@nestjs/common';
import { AccessPolicy } from './access-policy';
import { AccessPolicyConfigurableModule } from './access-policy.module-definition';

/**
 * The one access policy (guild admin, pool roles, bot owners) shared by slash commands, the
 * admin API and the dashboard. Apps use
 * `AccessPolicyModule.forRootAsync({ inject: [ConfigService], useFactory: (config) => ({ botOwnerIds }) })`.
 * `AccessPolicy` reads `pool_members` through TypeORM's `DataSource`, which the app provides
 * through `PoolsModule.forRootAsync` (a global database provider).
 */
@Module({
  providers: [AccessPolicy],
  exports: [AccessPolicy],
})
export class AccessPolicyModule extends AccessPolicyConfigurableModule {}
