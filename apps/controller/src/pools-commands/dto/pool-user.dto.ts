import type { User } from 'discord.js';
import { StringOption, UserOption } from 'necord';
import { POOL_ID_MAX_LENGTH } from '../pools-commands.constants';

/** Options of `/pools transfer` and `/pools members revoke`: a pool and a user. */
export class PoolUserDto {
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
}
