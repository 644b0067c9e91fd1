import { GatewayIntentBits } from 'discord.js';
import { z } from 'zod';
import { EnvValidationError, parseEnv } from '@app/config';
import { necordOptionsFromEnv } from './discord-client.options';
import { DEFAULT_DISCORD_API_URL, discordEnvShape } from './discord.config';

const schema = z.object(discordEnvShape);
const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.fake-token-for-tests-only';

describe('discordEnvShape', () => {
  it('requires DISCORD_TOKEN and names it', () => {
    expect(() => parseEnv(schema, {})).toThrow(EnvValidationError);
    expect(() => parseEnv(schema, {})).toThrow('DISCORD_TOKEN: is required but not set');
  });

  it('defaults to Discord, global registration and no owners', () => {
    const sut = parseEnv(schema, { DISCORD_TOKEN: TOKEN });

    expect(sut).toMatchObject({
      DISCORD_TOKEN: TOKEN,
      DISCORD_API_URL: DEFAULT_DISCORD_API_URL,
      BOT_OWNER_IDS: [],
      DISCORD_DEVELOPMENT_GUILD_IDS: [],
      DISCORD_SKIP_REGISTRATION: false,
      RATE_LIMIT_REDIS_DOWN_MODE: 'open',
    });
    expect(sut.DISCORD_CLIENT_ID).toBeUndefined();
  });

  it('parses snowflake lists and refuses malformed ids and URLs, naming the variable', () => {
    const sut = parseEnv(schema, {
      DISCORD_TOKEN: TOKEN,
      BOT_OWNER_IDS: '123456789012345678, 223456789012345678',
      DISCORD_DEVELOPMENT_GUILD_IDS: '323456789012345678',
    });
    expect(sut.BOT_OWNER_IDS).toEqual(['123456789012345678', '223456789012345678']);
    expect(sut.DISCORD_DEVELOPMENT_GUILD_IDS).toEqual(['323456789012345678']);

    expect(() => parseEnv(schema, { DISCORD_TOKEN: TOKEN, BOT_OWNER_IDS: 'alice' })).toThrow(/BOT_OWNER_IDS/);
    expect(() => parseEnv(schema, { DISCORD_TOKEN: TOKEN, DISCORD_CLIENT_ID: '12' })).toThrow(
      /DISCORD_CLIENT_ID/,
    );
    expect(() => parseEnv(schema, { DISCORD_TOKEN: TOKEN, DISCORD_API_URL: 'ftp://x' })).toThrow(
      /DISCORD_API_URL/,
    );
  });

  it('never echoes the token in a validation error', () => {
    let message = '';
    try {
      parseEnv(schema, { DISCORD_TOKEN: TOKEN, DISCORD_API_URL: 'nope' });
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toContain('DISCORD_API_URL');
    expect(message).not.toContain(TOKEN);
  });
});

describe(necordOptionsFromEnv.name, () => {
  const base = parseEnv(schema, { DISCORD_TOKEN: TOKEN, DISCORD_API_URL: 'http://127.0.0.1:9999/api' });

  it('asks for Guilds and GuildVoiceStates and sends REST to DISCORD_API_URL', () => {
    const sut = necordOptionsFromEnv(base);

    expect(sut.intents).toEqual([GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates]);
    expect(sut.rest).toEqual({ api: 'http://127.0.0.1:9999/api' });
    expect(sut.token).toBe(TOKEN);
  });

  it('registers globally without development guilds, else in those guilds only', () => {
    expect(necordOptionsFromEnv(base).development).toBe(false);
    expect(
      necordOptionsFromEnv({ ...base, DISCORD_DEVELOPMENT_GUILD_IDS: ['323456789012345678'] }).development,
    ).toEqual(['323456789012345678']);
    expect(necordOptionsFromEnv({ ...base, DISCORD_SKIP_REGISTRATION: true }).skipRegistration).toBe(true);
  });
});
