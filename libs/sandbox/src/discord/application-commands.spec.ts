import { validateCommand, validateCommandList } from './application-commands';
import { DiscordApiError } from './discord-sandbox.exception';

const option = (over: Record<string, unknown> = {}) => ({
  type: 3,
  name: 'query',
  description: 'What',
  ...over,
});

describe(validateCommand.name, () => {
  it('accepts a valid chat input command and normalises defaults', () => {
    const sut = validateCommand({
      name: 'play',
      description: 'Plays',
      options: [option({ required: true })],
    });

    expect(sut).toEqual({
      command: expect.objectContaining({
        type: 1,
        name: 'play',
        options: [{ type: 3, name: 'query', description: 'What', required: true }],
      }),
    });
  });

  it.each([['Play'], ['two words'], ['x'.repeat(33)], ['bad!']])('rejects the name %p', (name) => {
    const sut = validateCommand({ name, description: 'd' });

    expect(sut).toHaveProperty('errors.name._errors');
  });

  it('accepts names in Devanagari and Thai scripts', () => {
    expect(validateCommand({ name: 'गाना', description: 'd' })).toHaveProperty('command');
    expect(validateCommand({ name: 'เพลง', description: 'd' })).toHaveProperty('command');
  });

  it('rejects descriptions outside 1–100 characters', () => {
    expect(validateCommand({ name: 'a', description: '' })).toHaveProperty(
      'errors.description._errors.0.code',
      'BASE_TYPE_BAD_LENGTH',
    );
    expect(validateCommand({ name: 'a', description: 'd'.repeat(101) })).toHaveProperty('errors.description');
  });

  it('rejects more than 25 options, unknown option types and required options after optional ones', () => {
    const many = Array.from({ length: 26 }, (_, i) => option({ name: `o${i}` }));

    expect(validateCommand({ name: 'a', description: 'd', options: many })).toHaveProperty(
      'errors.options._errors.0.code',
      'BASE_TYPE_MAX_LENGTH',
    );
    expect(validateCommand({ name: 'a', description: 'd', options: [option({ type: 42 })] })).toHaveProperty(
      'errors.options.0.type',
    );
    expect(
      validateCommand({
        name: 'a',
        description: 'd',
        options: [option({ name: 'x' }), option({ name: 'y', required: true })],
      }),
    ).toHaveProperty('errors.options._errors.0.code', 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID');
  });

  it('only allows subcommands inside a subcommand group', () => {
    const sut = validateCommand({
      name: 'music',
      description: 'd',
      options: [{ type: 2, name: 'queue', description: 'q', options: [option()] }],
    });

    expect(sut).toHaveProperty('errors.options.0.options');
  });
});

describe(validateCommandList.name, () => {
  it('throws 50035 with errors keyed by index', () => {
    let error: unknown;
    try {
      validateCommandList([
        { name: 'ok', description: 'd' },
        { name: 'Not OK', description: 'd' },
      ]);
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(DiscordApiError);
    expect((error as DiscordApiError).toBody()).toMatchObject({
      code: 50035,
      message: 'Invalid Form Body',
      errors: { 1: { name: { _errors: [{ code: 'APPLICATION_COMMAND_INVALID_NAME' }] } } },
    });
  });

  it('rejects duplicate names of the same type', () => {
    expect(() =>
      validateCommandList([
        { name: 'a', description: 'd' },
        { name: 'a', description: 'e' },
      ]),
    ).toThrow(DiscordApiError);
  });
});
