import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CATALOGUE_TRACKS,
  decodeTrack,
  LavalinkSandbox,
  type LavalinkOutboundMessage,
  type LavalinkTrack,
} from '@app/sandbox';
import WebSocket from 'ws';

jest.setTimeout(15_000);

const GUILD = '800000000000000002';
const USER_ID = '900000000000000002';
/** Waits for `check` to pass, polling every 20 ms. */
async function eventually(check: () => void, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

const VOICE = {
  token: 'voice-token',
  endpoint: 'sandbox-voice.discord.media:443',
  sessionId: 'voice-session',
  channelId: '810000000000000002',
};

/** A raw Lavalink WebSocket client that records every op it receives. */
class RawClient {
  readonly messages: LavalinkOutboundMessage[] = [];
  private readonly listeners = new Set<() => void>();

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.messages.push(JSON.parse(data.toString()) as LavalinkOutboundMessage);
      for (const listener of [...this.listeners]) listener();
    });
  }

  static async connect(sut: LavalinkSandbox, headers: Record<string, string> = {}): Promise<RawClient> {
    const socket = new WebSocket(`ws://${sut.host}:${sut.port}/v4/websocket`, {
      headers: {
        Authorization: sut.password,
        'User-Id': USER_ID,
        'Client-Name': 'raw-test/1.0.0',
        ...headers,
      },
    });
    const client = new RawClient(socket);
    await client.waitFor((message) => message.op === 'ready');
    return client;
  }

  get sessionId(): string {
    const ready = this.messages.find((message) => message.op === 'ready');
    if (!ready || ready.op !== 'ready') throw new Error('no ready op');
    return ready.sessionId;
  }

  waitFor(
    match: (message: LavalinkOutboundMessage) => boolean,
    timeoutMs = 3000,
  ): Promise<LavalinkOutboundMessage> {
    const found = this.messages.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error('timed out waiting for a Lavalink op'));
      }, timeoutMs);
      const check = () => {
        const message = this.messages.find(match);
        if (!message) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(message);
      };
      this.listeners.add(check);
    });
  }

  events(): string[] {
    return this.messages.flatMap((message) =>
      message.op === 'event'
        ? [message.type === 'TrackEndEvent' ? `${message.type}:${message.reason}` : message.type]
        : [],
    );
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close(1000);
    });
  }
}

describe(LavalinkSandbox.name, () => {
  let sut: LavalinkSandbox;
  const clients: RawClient[] = [];

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${sut.url}${path}`, {
      ...init,
      headers: {
        Authorization: sut.password,
        'Content-Type': 'application/json',
        ...(init.headers as Record<string, string>),
      },
    });
  const patchPlayer = (sessionId: string, body: unknown, query = '') =>
    api(`/v4/sessions/${sessionId}/players/${GUILD}${query}`, {
      method: 'PATCH',
      body: JSON.stringify(body),
    });
  const connect = async (headers: Record<string, string> = {}) => {
    const client = await RawClient.connect(sut, headers);
    clients.push(client);
    return client;
  };
  const loadTrack = async (identifier: string): Promise<LavalinkTrack> => {
    const result = (await (
      await api(`/v4/loadtracks?identifier=${encodeURIComponent(identifier)}`)
    ).json()) as {
      loadType: string;
      data: LavalinkTrack;
    };
    expect(result.loadType).toBe('track');
    return result.data;
  };

  beforeEach(async () => {
    // 0.005 wall ms per track ms: the one-minute cleanup threshold is 300 ms, a 3-minute track 0.9 s.
    sut = await LavalinkSandbox.start({
      timeScale: 0.005,
      playerUpdateIntervalMs: 50,
      statsIntervalMs: 1000,
    });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await sut.stop();
  });

  describe('authorization and errors', () => {
    it('answers 401 without Authorization and 403 with a wrong password, with the error JSON', async () => {
      const missing = await fetch(`${sut.url}/v4/info?trace=true`);
      expect(missing.status).toBe(401);
      expect(await missing.json()).toEqual({
        timestamp: expect.any(Number),
        status: 401,
        error: 'Unauthorized',
        message: 'Authorization missing',
        path: '/v4/info',
        trace: expect.any(String),
      });
      const wrong = await fetch(`${sut.url}/v4/info`, { headers: { Authorization: 'not-the-password' } });
      expect(wrong.status).toBe(403);
      expect(await wrong.json()).toMatchObject({ status: 403, error: 'Forbidden', path: '/v4/info' });
    });

    it('refuses a WebSocket handshake with a wrong password (401) or without User-Id (400)', async () => {
      const statusOf = (headers: Record<string, string>) =>
        new Promise<number>((resolve, reject) => {
          const socket = new WebSocket(`ws://${sut.host}:${sut.port}/v4/websocket`, { headers });
          socket.on('unexpected-response', (_request, response) => {
            resolve(response.statusCode ?? 0);
            socket.terminate();
          });
          socket.on('open', () => reject(new Error('handshake accepted')));
          socket.on('error', () => undefined);
        });
      await expect(statusOf({ Authorization: 'wrong', 'User-Id': USER_ID })).resolves.toBe(401);
      await expect(statusOf({ Authorization: sut.password })).resolves.toBe(400);
    });

    it('answers 404 for unknown sessions, players and routes', async () => {
      const session = await api('/v4/sessions/nosuchsession000', {
        method: 'PATCH',
        body: '{"resuming":true}',
      });
      expect(session.status).toBe(404);
      expect(await session.json()).toMatchObject({
        status: 404,
        error: 'Not Found',
        message: 'Session not found',
      });
      const client = await connect();
      const player = await api(`/v4/sessions/${client.sessionId}/players/${GUILD}`);
      expect(player.status).toBe(404);
      expect(await player.json()).toMatchObject({ message: 'Player not found' });
      expect((await api('/v4/nothing-here')).status).toBe(404);
    });
  });

  describe('info, version, stats', () => {
    it('serves /version as plain text and /v4/info with sources, filters and plugins', async () => {
      const version = await api('/version');
      expect(version.headers.get('content-type')).toContain('text/plain');
      expect(await version.text()).toBe('4.2.2+sandbox');
      const info = (await (await api('/v4/info')).json()) as Record<string, unknown>;
      expect(info).toMatchObject({
        version: {
          semver: '4.2.2+sandbox',
          major: 4,
          minor: 2,
          patch: 2,
          preRelease: null,
          build: 'sandbox',
        },
        buildTime: expect.any(Number),
        git: { branch: 'main', commit: expect.any(String), commitTime: expect.any(Number) },
        jvm: expect.any(String),
        lavaplayer: expect.any(String),
        sourceManagers: ['youtube', 'soundcloud', 'http'],
        filters: expect.arrayContaining(['timescale', 'equalizer', 'volume']),
        plugins: [{ name: 'youtube-plugin', version: expect.any(String) }],
      });
    });

    it('serves /v4/stats without frameStats and counts players node-wide', async () => {
      const client = await connect();
      await patchPlayer(client.sessionId, { voice: VOICE, track: { identifier: 'nQ9wEa0hH1l' } });
      const stats = (await (await api('/v4/stats')).json()) as Record<string, unknown>;
      expect(stats).toMatchObject({
        players: 1,
        playingPlayers: 1,
        uptime: expect.any(Number),
        memory: {
          free: expect.any(Number),
          used: expect.any(Number),
          allocated: expect.any(Number),
          reservable: expect.any(Number),
        },
        cpu: { cores: expect.any(Number), systemLoad: expect.any(Number), lavalinkLoad: expect.any(Number) },
      });
      expect(stats).not.toHaveProperty('frameStats');
    });
  });

  describe('track loading and decoding', () => {
    it('has a catalogue of at least 30 tracks of 2–6 minutes with full metadata', () => {
      expect(CATALOGUE_TRACKS.length).toBeGreaterThanOrEqual(30);
      for (const track of CATALOGUE_TRACKS) {
        expect(track.length).toBeGreaterThanOrEqual(120_000);
        expect(track.length).toBeLessThanOrEqual(360_000);
        expect(track).toMatchObject({
          title: expect.any(String),
          author: expect.any(String),
          isrc: expect.stringMatching(/^[A-Z]{2}[A-Z0-9]{3}\d{7}$/),
        });
      }
    });

    it('requires an identifier and resolves bare ids, SoundCloud sets and unknown text', async () => {
      const missing = await api('/v4/loadtracks');
      expect(missing.status).toBe(400);
      const byId = await loadTrack('cSb7kQ2rT4a');
      expect(byId.info).toMatchObject({
        title: 'Neon Harbor',
        uri: 'https://www.youtube.com/watch?v=cSb7kQ2rT4a',
        isSeekable: true,
        isStream: false,
      });
      const set = (await (
        await api('/v4/loadtracks?identifier=https://soundcloud.com/sandbox-radio/sets/late-night-drive')
      ).json()) as {
        loadType: string;
        data: { info: { name: string; selectedTrack: number }; tracks: unknown[] };
      };
      expect(set).toMatchObject({
        loadType: 'playlist',
        data: { info: { name: 'Late Night Drive', selectedTrack: -1 } },
      });
      expect(set.data.tracks).toHaveLength(3);
      const ranked = (await (await api('/v4/loadtracks?identifier=ytsearch:neon harbor')).json()) as {
        data: LavalinkTrack[];
      };
      expect(ranked.data.map((track) => track.info.title)).toEqual(['Neon Harbor', 'Harbor Lights Waltz']);
      expect(await (await api('/v4/loadtracks?identifier=just some words')).json()).toEqual({
        loadType: 'empty',
        data: {},
      });
      expect(await (await api('/v4/loadtracks?identifier=sandbox:load-error')).json()).toEqual({
        loadType: 'error',
        data: { message: 'This video is unavailable', severity: 'common', cause: expect.any(String) },
      });
    });

    it('reports HTTP source failures: unreachable URL and unknown file format', async () => {
      const notWav: Server = createServer((_request, response) => response.end('<html>not audio</html>'));
      await new Promise<void>((resolve) => notWav.listen(0, '127.0.0.1', resolve));
      const port = (notWav.address() as AddressInfo).port;
      try {
        const unknown = await (await api(`/v4/loadtracks?identifier=http://127.0.0.1:${port}/page`)).json();
        expect(unknown).toMatchObject({
          loadType: 'error',
          data: { message: 'Unknown file format.', severity: 'common' },
        });
      } finally {
        await new Promise((resolve) => notWav.close(resolve));
      }
      const refused = await (await api(`/v4/loadtracks?identifier=http://127.0.0.1:${port}/gone.wav`)).json();
      expect(refused).toMatchObject({
        loadType: 'error',
        data: { message: 'Connecting to the URL failed.', severity: 'suspicious' },
      });
    });

    it('decodes every catalogue track back to the same info, singly and in bulk', async () => {
      const encoded: string[] = [];
      for (const entry of CATALOGUE_TRACKS) {
        const track = await loadTrack(entry.identifier);
        expect(decodeTrack(track.encoded).info).toEqual(track.info);
        const decoded = (await (
          await api(`/v4/decodetrack?encodedTrack=${encodeURIComponent(track.encoded)}`)
        ).json()) as LavalinkTrack;
        expect(decoded).toEqual(track);
        encoded.push(track.encoded);
      }
      const bulk = (await (
        await api('/v4/decodetracks', { method: 'POST', body: JSON.stringify(encoded) })
      ).json()) as LavalinkTrack[];
      expect(bulk.map((track) => track.info.identifier)).toEqual(
        CATALOGUE_TRACKS.map((track) => track.identifier),
      );
      expect((await api('/v4/decodetrack?encodedTrack=bm90IGEgdHJhY2s=')).status).toBe(400);
      expect((await api('/v4/decodetracks', { method: 'POST', body: '{"tracks":1}' })).status).toBe(400);
    });
  });

  describe('sessions and players', () => {
    it('updates the session resuming config (timeout in seconds) and validates it', async () => {
      const client = await connect();
      const updated = await api(`/v4/sessions/${client.sessionId}`, {
        method: 'PATCH',
        body: JSON.stringify({ resuming: true, timeout: 30 }),
      });
      expect(await updated.json()).toEqual({ resuming: true, timeout: 30 });
      const bad = await api(`/v4/sessions/${client.sessionId}`, {
        method: 'PATCH',
        body: JSON.stringify({ timeout: 'soon' }),
      });
      expect(bad.status).toBe(400);
      const malformed = await api(`/v4/sessions/${client.sessionId}`, { method: 'PATCH', body: '{not json' });
      expect(malformed.status).toBe(400);
    });

    it('B6: rejects a voice update without channelId with 400 and creates no player', async () => {
      const client = await connect();
      const { channelId: _omitted, ...withoutChannel } = VOICE;
      const response = await patchPlayer(client.sessionId, { voice: withoutChannel });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        status: 400,
        error: 'Bad Request',
        message: expect.stringContaining('channelId'),
      });
      expect((await api(`/v4/sessions/${client.sessionId}/players/${GUILD}`)).status).toBe(404);
      const complete = await patchPlayer(client.sessionId, { voice: VOICE });
      expect(complete.status).toBe(200);
      expect(await complete.json()).toMatchObject({
        guildId: GUILD,
        voice: VOICE,
        state: { connected: true },
      });
    });

    it('validates player updates: track conflicts, playlists, no matches, end time, volume, guild id', async () => {
      const client = await connect();
      const { sessionId } = client;
      const track = await loadTrack('cSb7kQ2rT4a');
      const cases: [unknown, number][] = [
        [{ track: { encoded: track.encoded, identifier: 'cSb7kQ2rT4a' } }, 400],
        [{ track: { identifier: 'cSb7kQ2rT4a' }, encodedTrack: track.encoded }, 400],
        [{ track: { identifier: 'https://www.youtube.com/playlist?list=PLsandboxLoFiStudy02' } }, 400],
        [{ track: { identifier: 'ytsearch:neon' } }, 400],
        [{ track: { identifier: 'nothing at all' } }, 400],
        [{ track: { identifier: 'sandbox:load-error' } }, 500],
        [{ endTime: 0 }, 400],
        [{ volume: 1001 }, 400],
        [{ position: -5 }, 400],
        [{ track: { encoded: 'bm90IGEgdHJhY2s=' } }, 400],
      ];
      for (const [body, status] of cases) {
        const response = await patchPlayer(sessionId, body);
        expect({ body, status: response.status }).toEqual({ body, status });
      }
      const badGuild = await api(`/v4/sessions/${sessionId}/players/not-a-guild`, {
        method: 'PATCH',
        body: '{}',
      });
      expect(badGuild.status).toBe(400);
    });

    it('starts a track at once but advances its clock only once voice is connected', async () => {
      const client = await connect();
      const played = await patchPlayer(client.sessionId, {
        track: { identifier: 'cSb7kQ2rT4a', userData: { requester: 'u1' } },
      });
      expect(await played.json()).toMatchObject({
        track: { info: { identifier: 'cSb7kQ2rT4a' }, userData: { requester: 'u1' } },
        state: { connected: false, ping: -1, position: 0 },
      });
      await client.waitFor((message) => message.op === 'event' && message.type === 'TrackStartEvent');
      expect(sut.control.players()[0]).toMatchObject({ position: 0, connected: false });

      await patchPlayer(client.sessionId, { voice: VOICE, position: 200_000 });
      await client.waitFor((message) => message.op === 'event' && message.type === 'TrackEndEvent');
      expect(client.events()).toEqual(['TrackStartEvent', 'TrackEndEvent:finished']);
      const update = client.messages.find(
        (message) => message.op === 'playerUpdate' && message.state.connected,
      );
      expect(update).toMatchObject({ guildId: GUILD, state: { connected: true, ping: expect.any(Number) } });
    });

    it('ends an unconnected track with reason cleanup after the (scaled) one-minute threshold', async () => {
      const client = await connect();
      await patchPlayer(client.sessionId, { track: { identifier: 'cSb7kQ2rT4a' } });
      await client.waitFor((message) => message.op === 'event' && message.type === 'TrackEndEvent');
      expect(client.events()).toEqual(['TrackStartEvent', 'TrackEndEvent:cleanup']);
    });

    it('honours noReplace, endTime, stop and destroy', async () => {
      const client = await connect();
      const { sessionId } = client;
      await patchPlayer(sessionId, { voice: VOICE, track: { identifier: 'nQ9wEa0hH1l' } });
      const kept = (await (
        await patchPlayer(sessionId, { track: { identifier: 'cSb7kQ2rT4a' } }, '?noReplace=true')
      ).json()) as {
        track: LavalinkTrack;
      };
      expect(kept.track.info.identifier).toBe('nQ9wEa0hH1l');

      await patchPlayer(sessionId, { track: { encoded: null } });
      await patchPlayer(sessionId, {
        track: { identifier: 'cSb7kQ2rT4a' },
        position: 10_000,
        endTime: 20_000,
      });
      await client.waitFor(
        (message) =>
          message.op === 'event' &&
          message.type === 'TrackEndEvent' &&
          message.track.info.identifier === 'cSb7kQ2rT4a',
      );
      await patchPlayer(sessionId, { track: { identifier: 'eF8nVt6yU2c' }, paused: true });
      expect((await api(`/v4/sessions/${sessionId}/players/${GUILD}`, { method: 'DELETE' })).status).toBe(
        204,
      );
      expect((await api(`/v4/sessions/${sessionId}/players/${GUILD}`)).status).toBe(404);
      expect((await (await api(`/v4/sessions/${sessionId}/players`)).json()) as unknown[]).toEqual([]);
      expect(client.events()).toEqual([
        'TrackStartEvent',
        'TrackEndEvent:stopped',
        'TrackStartEvent',
        'TrackEndEvent:finished',
        'TrackStartEvent',
        'TrackEndEvent:stopped',
      ]);
    });

    it('destroys the players of a non-resuming session as soon as its socket closes', async () => {
      const client = await connect();
      await patchPlayer(client.sessionId, { voice: VOICE });
      await client.close();
      await eventually(() => expect(sut.control.sessions()).toEqual([]));
      const response = await api(`/v4/sessions/${client.sessionId}/players`);
      expect(response.status).toBe(404);
    });

    it('resumes a paused session with Session-Id: ready.resumed, replayed events, then playerUpdates', async () => {
      const first = await connect();
      await api(`/v4/sessions/${first.sessionId}`, {
        method: 'PATCH',
        body: JSON.stringify({ resuming: true, timeout: 5 }),
      });
      await patchPlayer(first.sessionId, {
        voice: VOICE,
        track: { identifier: 'nQ9wEa0hH1l' },
        paused: true,
      });
      await first.close();
      await eventually(() =>
        expect(sut.control.sessions()).toEqual([expect.objectContaining({ connected: false })]),
      );
      await patchPlayer(first.sessionId, { track: { encoded: null } });
      const second = await connect({ 'Session-Id': first.sessionId });
      expect(second.messages[0]).toEqual({ op: 'ready', resumed: true, sessionId: first.sessionId });
      await second.waitFor((message) => message.op === 'playerUpdate');
      expect(second.events()).toEqual(['TrackEndEvent:stopped']);
    });
  });

  describe('faults and the HTTP control API', () => {
    it('reports players and sessions and injects stuck, exception and voice-closed faults', async () => {
      const client = await connect();
      await patchPlayer(client.sessionId, { voice: VOICE, track: { identifier: 'nQ9wEa0hH1l' } });
      const players = (await (await fetch(`${sut.url}/_sandbox/players`)).json()) as unknown[];
      expect(players).toEqual([
        expect.objectContaining({ guildId: GUILD, sessionId: client.sessionId, connected: true }),
      ]);
      const sessions = (await (await fetch(`${sut.url}/_sandbox/sessions`)).json()) as unknown[];
      expect(sessions).toEqual([
        expect.objectContaining({ sessionId: client.sessionId, userId: USER_ID, players: 1 }),
      ]);

      const post = (path: string, body: unknown = {}) =>
        fetch(`${sut.url}/_sandbox${path}`, { method: 'POST', body: JSON.stringify(body) });
      expect(await (await post(`/players/${GUILD}/voice-closed`, { code: 4014 })).json()).toEqual({
        affected: 1,
      });
      await client.waitFor((message) => message.op === 'event' && message.type === 'WebSocketClosedEvent');
      await patchPlayer(client.sessionId, { voice: VOICE });
      expect(await (await post(`/players/${GUILD}/stuck`)).json()).toEqual({ affected: 1 });
      const stuck = await client.waitFor(
        (message) => message.op === 'event' && message.type === 'TrackStuckEvent',
      );
      expect(stuck).toMatchObject({
        guildId: GUILD,
        thresholdMs: 10_000,
        track: { info: { identifier: 'nQ9wEa0hH1l' } },
      });
      expect(await (await post(`/players/${GUILD}/fail`, { message: 'Decoder exploded' })).json()).toEqual({
        affected: 1,
      });
      await client.waitFor((message) => message.op === 'event' && message.type === 'TrackEndEvent');
      expect(client.events()).toEqual([
        'TrackStartEvent',
        'WebSocketClosedEvent',
        'TrackStuckEvent',
        'TrackExceptionEvent',
        'TrackEndEvent:loadFailed',
      ]);
      expect(
        client.messages.find((message) => message.op === 'event' && message.type === 'WebSocketClosedEvent'),
      ).toMatchObject({
        code: 4014,
        byRemote: true,
      });
      expect((await post('/players/800000000000000999/stuck')).status).toBe(404);
      const events = (await (await fetch(`${sut.url}/_sandbox/events?since=0`)).json()) as {
        message: { op: string };
      }[];
      expect(events.map((event) => event.message.op)).toContain('ready');
    });

    it('B12: keeps the players of two bot identities in one guild apart', async () => {
      const first = await connect();
      const second = await connect({ 'User-Id': '900000000000000003' });
      await patchPlayer(first.sessionId, { voice: VOICE, track: { identifier: 'nQ9wEa0hH1l' } });
      await patchPlayer(second.sessionId, {
        voice: { ...VOICE, channelId: '810000000000000003' },
        track: { identifier: 'gH4pXs7aO4e' },
      });
      const response = await fetch(`${sut.url}/_sandbox/players/${GUILD}/stuck`, {
        method: 'POST',
        body: JSON.stringify({ sessionId: second.sessionId }),
      });
      expect(await response.json()).toEqual({ affected: 1 });
      await second.waitFor((message) => message.op === 'event' && message.type === 'TrackStuckEvent');
      expect(first.events()).toEqual(['TrackStartEvent']);
      expect(sut.control.players({ userId: USER_ID })).toEqual([
        expect.objectContaining({ guildId: GUILD, stuck: false, voiceChannelId: VOICE.channelId }),
      ]);
      expect(sut.control.players({ userId: '900000000000000003' })).toEqual([
        expect.objectContaining({ guildId: GUILD, stuck: true, voiceChannelId: '810000000000000003' }),
      ]);
    });

    it('takes the node down (sockets closed with 1001, connections refused) and brings it back', async () => {
      const client = await connect();
      const closed = new Promise<number>((resolve) =>
        client.socket.once('close', (code: number) => resolve(code)),
      );
      const response = await fetch(`${sut.url}/_sandbox/node-down`, {
        method: 'POST',
        body: JSON.stringify({ forMs: 300 }),
      });
      expect(response.status).toBe(202);
      await expect(closed).resolves.toBe(1001);
      await expect(
        fetch(`${sut.url}/version`, { headers: { Authorization: sut.password } }),
      ).rejects.toThrow();
      let up = false;
      for (let attempt = 0; attempt < 100 && !up; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        up = await fetch(`${sut.url}/version`, { headers: { Authorization: sut.password } }).then(
          (result) => result.ok,
          () => false,
        );
      }
      expect(up).toBe(true);
      expect(sut.control.isUp).toBe(true);
    });
  });
});
