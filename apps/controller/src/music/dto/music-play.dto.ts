import { StringOption } from 'necord';
import { MUSIC_QUERY_MAX_LENGTH } from '../music.constants';

/** Options of `/music play`. Discord enforces the length; the handler checks it again. */
export class MusicPlayDto {
  @StringOption({
    name: 'query',
    description: 'A song name or link to play',
    required: true,
    min_length: 1,
    max_length: MUSIC_QUERY_MAX_LENGTH,
  })
  query!: string;
}
