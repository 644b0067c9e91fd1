import { StringOption } from 'necord';
import { PoolVisibility } from '@app/pools';
import { PoolOption } from './pool-id.dto';

/** The choices of a `visibility` option (`/pools create`, `/pools visibility`). */
export const POOL_VISIBILITY_CHOICES = [
  { name: 'private — members only', value: PoolVisibility.Private },
  { name: 'public — every server can use it', value: PoolVisibility.Public },
];

/** Options of `/pools visibility`. */
export class PoolVisibilityDto {
  @PoolOption()
  pool!: string;

  @StringOption({
    name: 'visibility',
    description: 'Who can see and use the pool',
    required: true,
    choices: POOL_VISIBILITY_CHOICES,
  })
  visibility!: PoolVisibility;
}
