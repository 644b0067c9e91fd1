import type { User } from 'discord.js';
import { StringOption, UserOption } from 'necord';
import { PoolMemberRole } from '@app/pools';
import { PoolOption } from './pool-id.dto';

/** Roles `/pools members grant` can give; ownership moves only with `/pools transfer`. */
export type GrantableRole = PoolMemberRole.Manager | PoolMemberRole.Contributor | PoolMemberRole.Viewer;

/** Options of `/pools members grant`. */
export class PoolMemberGrantDto {
  @PoolOption()
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
