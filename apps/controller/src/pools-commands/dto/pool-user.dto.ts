import type { User } from 'discord.js';
import { UserOption } from 'necord';
import { PoolOption } from './pool-id.dto';

/** Options of `/pools transfer` and `/pools members revoke`: a pool and a user. */
export class PoolUserDto {
  @PoolOption()
  pool!: string;

  @UserOption({ name: 'user', description: 'The user', required: true })
  user!: User;
}
