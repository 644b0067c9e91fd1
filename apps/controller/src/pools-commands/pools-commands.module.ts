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
  /** @param pools the app's configured `PoolsModule` dynamic module */
  static forRoot(pools: DynamicModule): DynamicModule {
    return {
      module: PoolsCommandsModule,
      imports: [pools, DiscordModule],
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
