import { StringOption } from 'necord';
import { POOL_ID_MAX_LENGTH } from '../pools-commands.constants';

/** The required `pool` option, autocompleted with the pools the user can see (`pool_<owner id>`). */
export function PoolOption(): PropertyDecorator {
  return StringOption({
    name: 'pool',
    description: 'The pool (pool_<owner id>)',
    required: true,
    autocomplete: true,
    max_length: POOL_ID_MAX_LENGTH,
  });
}

/** A `pool` option (autocompleted with the pools the user can see). */
export class PoolIdDto {
  @PoolOption()
  pool!: string;
}
