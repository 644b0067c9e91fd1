import { StringOption } from 'necord';
import { POOL_ID_MAX_LENGTH } from '../pools-commands.constants';

/** A `pool` option (autocompleted with the pools the user can see). */
export class PoolIdDto {
  @StringOption({
    name: 'pool',
    description: 'The pool (pool_<owner id>)',
    required: true,
    autocomplete: true,
    max_length: POOL_ID_MAX_LENGTH,
  })
  pool!: string;
}
