import { StringOption } from 'necord';
import { PoolVisibility } from '@app/pools';
import { POOL_ID_MAX_LENGTH } from '../pools-commands.constants';

/** Options of `/pools visibility`. */
export class PoolVisibilityDto {
  @StringOption({
    name: 'pool',
    description: 'The pool (pool_<owner id>)',
    required: true,
    autocomplete: true,
    max_length: POOL_ID_MAX_LENGTH,
  })
  pool!: string;

  @StringOption({
    name: 'visibility',
    description: 'Who can see and use the pool',
    required: true,
    choices: [
      { name: 'private — members only', value: PoolVisibility.Private },
      { name: 'public — every server can use it', value: PoolVisibility.Public },
    ],
  })
  visibility!: PoolVisibility;
}
