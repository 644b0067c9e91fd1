import { IntegerOption } from 'necord';

/** Options of `/music queue`: 1-based page of 10 upcoming tracks. */
export class MusicQueueDto {
  @IntegerOption({
    name: 'page',
    description: 'Page of the queue (10 tracks a page)',
    required: false,
    min_value: 1,
  })
  page?: number | null;
}
