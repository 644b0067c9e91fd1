import { StringOption } from 'necord';
import { ASSISTANT_SAY_MAX_LENGTH } from '../assistant.constants';

/** Options of `/assistant say`. Discord enforces the length; the handler checks it again. */
export class AssistantSayDto {
  @StringOption({
    name: 'text',
    description: 'What the assistant should say in your voice channel',
    required: true,
    min_length: 1,
    max_length: ASSISTANT_SAY_MAX_LENGTH,
  })
  text!: string;
}
