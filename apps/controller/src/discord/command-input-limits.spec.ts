import { ApplicationCommandOptionType, type CommandInteractionOption } from 'discord.js';
import {
  checkInputLimits,
  COMMAND_STRING_OPTION_MAX_LENGTH,
  optionsFingerprint,
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
  const declared = [
    {
      name: 'play',
      type: ApplicationCommandOptionType.Subcommand,
      options: [{ name: 'query', type: ApplicationCommandOptionType.String, min_length: 1, max_length: 200 }],
    },
    {
      name: 'volume',
      type: ApplicationCommandOptionType.Subcommand,
      options: [{ name: 'level', type: ApplicationCommandOptionType.Integer, min_value: 0, max_value: 200 }],
    },
  ];

  it('accepts values within the declared limits', () => {
    expect(checkInputLimits([sub('play', [text('query', 'x'.repeat(200))])], declared)).toBeNull();
    expect(checkInputLimits([sub('volume', [int('level', 200)])], declared)).toBeNull();
  });

  it('refuses a query over its declared max_length with a sentence naming the option', () => {
    expect(checkInputLimits([sub('play', [text('query', 'x'.repeat(201))])], declared)).toBe(
      'The option `query` is too long: at most 200 characters, please.',
    );
  });

  it('refuses numbers outside min_value/max_value', () => {
    expect(checkInputLimits([sub('volume', [int('level', 201)])], declared)).toMatch(/at most 200/);
    expect(checkInputLimits([sub('volume', [int('level', -1)])], declared)).toMatch(/at least 0/);
  });

  it('caps undeclared string lengths', () => {
    const long = text('note', 'y'.repeat(COMMAND_STRING_OPTION_MAX_LENGTH + 1));
    expect(checkInputLimits([long], undefined)).toMatch(/too long/);
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
