import type { User } from 'discord.js';
import { StringOption, UserOption } from 'necord';
import { PoolMemberRole } from '@app/pools';
import { POOL_ID_MAX_LENGTH } from '../pools-commands.constants';

/** Roles `/pools members grant` can give; ownership moves only with `/pools transfer`. */
export type GrantableRole = PoolMemberRole.Manager | PoolMemberRole.Contributor | PoolMemberRole.Viewer;

/** Options of `/pools members grant`. */
export class PoolMemberGrantDto {
  @StringOption({
    name: 'pool',
    description: 'The pool (pool_<owner id>)',
    required: true,
    autocomplete: true,
    max_length: POOL_ID_MAX_LENGTH,
  })
  pool!: string;

  @UserOption({ name: 'user', description: 'The user', required: true })
  user!: User;

  @StringOption({
    name: 'role',
    description: 'The role to give',
    required: true,
    choices: [
      { name: 'manager — approves contributions, manages members', value: PoolMemberRole.Manager },
      { name: 'contributor — adds agent tokens', value: PoolMemberRole.Contributor },
      { name: 'viewer — sees and uses a private pool', value: PoolMemberRole.Viewer },
    ],
  })
  role!: GrantableRole;
}
