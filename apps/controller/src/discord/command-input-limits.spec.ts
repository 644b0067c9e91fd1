import { ApplicationCommandOptionType, type CommandInteractionOption } from 'discord.js';
import {
  checkInputLimits,
  COMMAND_STRING_OPTION_MAX_LENGTH,
  optionsFingerprint,
  requestFingerprint,
} from './command-input-limits';

const sub = (name: string, options: CommandInteractionOption[]): CommandInteractionOption => ({
  name,
  type: ApplicationCommandOptionType.Subcommand,
  options,
});
const text = (name: string, value: string): CommandInteractionOption => ({
  name,
  type: ApplicationCommandOptionType.String,
  value,
});
const int = (name: string, value: number): CommandInteractionOption => ({
  name,
  type: ApplicationCommandOptionType.Integer,
  value,
});

describe(checkInputLimits.name, () => {
  it('lets values up to the cap through, also inside subcommands', () => {
    expect(
      checkInputLimits([
        sub('play', [text('query', 'x'.repeat(COMMAND_STRING_OPTION_MAX_LENGTH)), int('n', 5)]),
      ]),
    ).toBeNull();
  });

  it('refuses a longer string with a sentence naming the option', () => {
    expect(
      checkInputLimits([sub('say', [text('text', 'y'.repeat(COMMAND_STRING_OPTION_MAX_LENGTH + 1))])]),
    ).toBe(
      `The option \`text\` is too long: at most ${COMMAND_STRING_OPTION_MAX_LENGTH} characters, please.`,
    );
  });
});

describe(optionsFingerprint.name, () => {
  it('is the same for reordered options and whitespace variants, different for other values', () => {
    const a = optionsFingerprint([sub('assign', [text('pool', ' Main  pool '), int('count', 2)])]);
    const b = optionsFingerprint([sub('assign', [int('count', 2), text('pool', 'Main pool')])]);
    const c = optionsFingerprint([sub('assign', [int('count', 3), text('pool', 'Main pool')])]);

    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });
});

describe(requestFingerprint.name, () => {
  it('tells the same options apart by the channel and the voice channel the command acts on implicitly', () => {
    const release = [sub('release', [])];
    const inV1 = requestFingerprint(release, { channelId: '10', voiceChannelId: '21' });

    expect(requestFingerprint(release, { channelId: '10', voiceChannelId: '21' })).toBe(inV1);
    expect(requestFingerprint(release, { channelId: '10', voiceChannelId: '22' })).not.toBe(inV1);
    expect(requestFingerprint(release, { channelId: '11', voiceChannelId: '21' })).not.toBe(inV1);
    expect(requestFingerprint(release, { channelId: '10', voiceChannelId: null })).not.toBe(inV1);
  });
});
