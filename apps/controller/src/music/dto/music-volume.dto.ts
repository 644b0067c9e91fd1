import { IntegerOption } from 'necord';
import { MUSIC_VOLUME_MAX, MUSIC_VOLUME_MIN } from '../music.constants';

/** Options of `/music volume`: percent, 0–200 (100 = unchanged). */
export class MusicVolumeDto {
  @IntegerOption({
    name: 'level',
    description: `Volume in percent (${MUSIC_VOLUME_MIN}–${MUSIC_VOLUME_MAX}, 100 is normal)`,
    required: true,
    min_value: MUSIC_VOLUME_MIN,
    max_value: MUSIC_VOLUME_MAX,
  })
  level!: number;
}
