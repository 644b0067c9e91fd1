import { StringOption } from 'necord';
import { CONTRIBUTION_ID_LENGTH } from '../pools-commands.constants';

/** Options of `/pools contributions approve|reject` (autocompleted with pending contributions). */
export class PoolContributionDto {
  @StringOption({
    name: 'contribution',
    description: 'The pending contribution',
    required: true,
    autocomplete: true,
    max_length: CONTRIBUTION_ID_LENGTH,
  })
  contribution!: string;
}
