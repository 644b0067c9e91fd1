import { type DynamicModule, Module } from '@nestjs/common';
import { DiscordModule } from '../discord';
import {
  ContributionAutocompleteInterceptor,
  PoolAutocompleteInterceptor,
} from './pools-autocomplete.interceptors';
import { PoolsCommandRunner } from './pools-command.runner';
import {
  PoolsCommandReads,
  PoolsCommands,
  PoolsContributionsCommands,
  PoolsMembersCommands,
} from './pools.commands';

/**
 * `/pools` (SPEC §6): create, list, info, select, visibility, transfer, delete, members
 * list|grant|revoke, contributions list|approve|reject. Needs the app's `PoolsModule` (global
 * `DataSource`; its services are re-exported by the instance the app imports — pass it in
 * `imports`), the global `AccessPolicyModule` and the necord client from {@link DiscordModule}.
 */
@Module({})
export class PoolsCommandsModule {
  /**
   * @param pools the app's configured `PoolsModule` dynamic module
   * @param routing the app's `RoutingModule` instance: pool selection, visibility and deletion
   *   invalidate its cache so the next allocation follows the change at once
   */
  static forRoot(pools: DynamicModule, routing: DynamicModule): DynamicModule {
    return {
      module: PoolsCommandsModule,
      imports: [pools, routing, DiscordModule],
      providers: [
        PoolsCommandRunner,
        PoolsCommandReads,
        PoolAutocompleteInterceptor,
        ContributionAutocompleteInterceptor,
        PoolsCommands,
        PoolsMembersCommands,
        PoolsContributionsCommands,
      ],
    };
  }
}
