import { EnvValidationError } from '@app/config';
import { loadAgentsConfig } from './agents.config';
import { parseLavalinkNodes } from './lavalink-nodes';

const base = {
  TOKEN_ENCRYPTION_KEYS: 'k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
  AGENT_CONTROL_URL: 'ws://127.0.0.1:8787',
  RUNNER_ID: 'runner_0123456789ab',
  RUNNER_SECRET: 'a-very-secret-runner-credential',
};

describe(loadAgentsConfig.name, () => {
  it('applies the documented defaults', () => {
    const sut = loadAgentsConfig(base);
    expect(sut).toMatchObject({
      RUNNER_CAPACITY: 50,
      LEASE_TTL_SECONDS: 60,
      DISCORD_API_URL: 'https://discord.com/api',
      HEALTH_PORT: 8081,
      LAVALINK_NODES: [],
      CONTROL_RECONNECT_MAX_MS: 30_000,
    });
  });

  it('reads TTS_URL and TTS_VOICE (no assistant without TTS_URL) and names a malformed one', () => {
    const defaults = loadAgentsConfig(base);
    expect(defaults.TTS_URL).toBeUndefined();
    expect(defaults.TTS_VOICE).toBe('default');
    expect(loadAgentsConfig({ ...base, TTS_URL: 'http://tts:5002/tts', TTS_VOICE: 'alto' })).toMatchObject({
      TTS_URL: 'http://tts:5002/tts',
      TTS_VOICE: 'alto',
    });
    expect(() => loadAgentsConfig({ ...base, TTS_URL: 'ftp://tts/tts' })).toThrow(
      /TTS_URL: must be a http: or https: URL/,
    );
    expect(() => loadAgentsConfig({ ...base, TTS_URL: 'http://tts/tts', TTS_VOICE: 'a b' })).toThrow(
      /TTS_VOICE/,
    );
  });

  it('refuses a non-WebSocket control URL and a missing secret, naming the variables', () => {
    const { RUNNER_SECRET: _secret, ...withoutSecret } = base;
    expect(() => loadAgentsConfig({ ...withoutSecret, AGENT_CONTROL_URL: 'http://controller:8787' })).toThrow(
      EnvValidationError,
    );
    try {
      loadAgentsConfig({ ...withoutSecret, AGENT_CONTROL_URL: 'http://controller:8787' });
    } catch (error) {
      expect((error as Error).message).toMatch(/AGENT_CONTROL_URL/);
      expect((error as Error).message).toMatch(/RUNNER_SECRET: is required/);
    }
  });

  it('parses LAVALINK_NODES and never repeats a password in an error', () => {
    const sut = loadAgentsConfig({
      ...base,
      LAVALINK_NODES: 'main=http://lavalink:2333#youshallnotpass, eu=https://ll.example.org#p%2Cw',
    });
    expect(sut.LAVALINK_NODES).toEqual([
      { id: 'main', host: 'lavalink', port: 2333, password: 'youshallnotpass', secure: false },
      { id: 'eu', host: 'll.example.org', port: 443, password: 'p,w', secure: true },
    ]);
    expect(() => loadAgentsConfig({ ...base, LAVALINK_NODES: 'main=ftp://x:1#hunter2' })).toThrow(
      /LAVALINK_NODES: entry 1 \(main\) must use http/,
    );
    expect(() => loadAgentsConfig({ ...base, LAVALINK_NODES: 'main=ftp://x:1#hunter2' })).not.toThrow(
      /hunter2/,
    );
  });
});

describe(parseLavalinkNodes.name, () => {
  it('rejects missing passwords, duplicate ids and paths', () => {
    expect(() => parseLavalinkNodes('a=http://h:1')).toThrow(/no #password/);
    expect(() => parseLavalinkNodes('a=http://h:1#x,a=http://h:2#y')).toThrow(/repeats node id a/);
    expect(() => parseLavalinkNodes('a=http://h:1/v4#x')).toThrow(/only scheme, host and port/);
    expect(() => parseLavalinkNodes('http://h:1#x')).toThrow(/must look like id=/);
  });
});
