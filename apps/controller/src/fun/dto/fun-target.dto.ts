import type { User } from 'discord.js';
import { IntegerOption, UserOption } from 'necord';

/** Options of `/fun riddle` and `/fun wyr`: who it is for. */
export class FunTargetDto {
  @UserOption({ name: 'target', description: 'Who it is for (default: you)', required: false })
  target?: User;
}

/** Options of `/fun compliment` and `/fun roast`: who, and how strong. */
export class FunIntensityDto extends FunTargetDto {
  @IntegerOption({
    name: 'intensity',
    description: '1 = gentle, 2 = medium, 3 = spicy (still friendly)',
    required: false,
    min_value: 1,
    max_value: 3,
  })
  intensity?: number;
}
