import { IntegerOption, StringOption } from 'necord';
import { DEFAULT_MAX_CONTRIBUTIONS_PER_USER, MAX_AGENTS_PER_POOL, PoolVisibility } from '@app/pools';
import { POOL_NAME_MAX_LENGTH, POOL_SPECIALTY_MAX_LENGTH } from '../pools-commands.constants';
import { POOL_VISIBILITY_CHOICES } from './pool-visibility.dto';

/** Options of `/pools create`. Discord enforces the limits; the handler checks them again. */
export class PoolCreateDto {
  @StringOption({
    name: 'name',
    description: 'Name of your pool',
    required: true,
    min_length: 1,
    max_length: POOL_NAME_MAX_LENGTH,
  })
  name!: string;

  @StringOption({
    name: 'visibility',
    description: 'Who can see and use the pool (default private)',
    required: false,
    choices: POOL_VISIBILITY_CHOICES,
  })
  visibility?: PoolVisibility | null;

  @IntegerOption({
    name: 'max_agents',
    description: `Most agents the pool holds (1–${MAX_AGENTS_PER_POOL}, default ${MAX_AGENTS_PER_POOL})`,
    required: false,
    min_value: 1,
    max_value: MAX_AGENTS_PER_POOL,
  })
  maxAgents?: number | null;

  @IntegerOption({
    name: 'max_contributions_per_user',
    description: `Tokens one contributor may add (default ${DEFAULT_MAX_CONTRIBUTIONS_PER_USER})`,
    required: false,
    min_value: 0,
    max_value: MAX_AGENTS_PER_POOL,
  })
  maxContributionsPerUser?: number | null;

  @StringOption({
    name: 'specialty',
    description: 'A short tag such as "music" or "radio"',
    required: false,
    min_length: 1,
    max_length: POOL_SPECIALTY_MAX_LENGTH,
  })
  specialty?: string | null;
}
