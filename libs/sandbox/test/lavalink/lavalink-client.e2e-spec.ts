import { LavalinkSandbox, TtsSandbox, type LavalinkSandboxEvent } from '@app/sandbox';
import type { Player, Track } from 'lavalink-client';
import { BOT_USER, LavalinkClientHarness, nextEvent } from './lavalink-client.harness';

jest.setTimeout(15_000);

const GUILD = '800000000000000001';
const VOICE_CHANNEL = '810000000000000001';
const REQUESTER = { id: '600000000000000001', username: 'listener' };

/** Waits for `check` to pass, polling every 20 ms. */
async function eventually(check: () => void | Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

const isPlayerUpdate = (event: LavalinkSandboxEvent) => event.message.op === 'playerUpdate';

describe(LavalinkSandbox.name, () => {
  describe('with the real lavalink-client', () => {
    let sut: LavalinkSandbox;
    let client: LavalinkClientHarness;

    beforeEach(async () => {
      // 0.002 wall ms per track ms: every catalogue track (2–6 min) plays in under a second.
      sut = await LavalinkSandbox.start({
        timeScale: 0.002,
        playerUpdateIntervalMs: 40,
        statsIntervalMs: 200,
      });
      client = new LavalinkClientHarness(sut);
      await client.init();
    });

    afterEach(async () => {
      await client.close();
      await sut.stop();
    });

    it('connects: ready with a session id, /v4/info with the youtube source, periodic stats', async () => {
      expect(client.node.sessionId).toMatch(/^[a-z0-9]{16}$/);
      expect(client.node.info?.sourceManagers).toEqual(
        expect.arrayContaining(['youtube', 'soundcloud', 'http']),
      );
      const stats = await client.nextRaw((payload) => payload.op === 'stats');
      expect(stats).toMatchObject({ players: 0, playingPlayers: 0, frameStats: null });
      expect(sut.control.sessions()).toEqual([
        expect.objectContaining({ sessionId: client.node.sessionId, userId: BOT_USER.id, connected: true }),
      ]);
    });

    it('loads tracks: search, direct URL, playlist, empty and error results', async () => {
      const search = await client.node.search({ query: 'neon harbor', source: 'ytsearch' }, REQUESTER);
      expect(search.loadType).toBe('search');
      expect(search.tracks[0]?.info).toMatchObject({
        title: 'Neon Harbor',
        author: 'The Paper Lanterns',
        sourceName: 'youtube',
      });

      const soundcloud = await client.node.search({ query: 'subway hymn', source: 'scsearch' }, REQUESTER);
      expect(soundcloud.tracks[0]?.info).toMatchObject({ title: 'Subway Hymn', sourceName: 'soundcloud' });

      const direct = await client.node.search(
        { query: 'https://www.youtube.com/watch?v=gH4pXs7aO4e' },
        REQUESTER,
      );
      expect(direct.loadType).toBe('track');
      expect(direct.tracks).toHaveLength(1);
      expect(direct.tracks[0]?.info).toMatchObject({
        identifier: 'gH4pXs7aO4e',
        duration: 312_000,
        isrc: 'QZSB72400005',
      });

      const playlist = await client.node.search(
        { query: 'https://www.youtube.com/watch?v=iK2rZv5cA6g&list=PLsandboxIndieMix01' },
        REQUESTER,
      );
      expect(playlist.loadType).toBe('playlist');
      expect(playlist.playlist).toMatchObject({ name: 'Sandbox Indie Mix' });
      expect(playlist.playlist?.selectedTrack?.info.identifier).toBe('iK2rZv5cA6g');
      expect(playlist.tracks).toHaveLength(6);

      const empty = await client.node.search(
        { query: 'zzqqxx nothing like this', source: 'ytsearch' },
        REQUESTER,
      );
      expect(empty).toMatchObject({ loadType: 'empty', tracks: [] });

      const failed = await client.node.search(
        { query: 'https://www.youtube.com/watch?v=XXunavail00' },
        REQUESTER,
      );
      expect(failed.loadType).toBe('error');
      expect(failed.exception).toMatchObject({ message: 'This video is unavailable', severity: 'common' });
    });

    it('B6: lavalink-client sends the voice channel id and the node connects the player', async () => {
      await client.joinVoice(GUILD, VOICE_CHANNEL);
      await eventually(() => {
        expect(sut.control.players()).toEqual([
          expect.objectContaining({ guildId: GUILD, connected: true, voiceChannelId: VOICE_CHANNEL }),
        ]);
      });
    });

    it('B6: a voice update without channelId reaches lavalink-client as a 400 and connects nothing', async () => {
      // lavalink-client's REST helper resolves (does not throw) on 4xx and returns Lavalink's error body.
      const answer: unknown = await client.node.updatePlayer({
        guildId: GUILD,
        playerOptions: {
          voice: { token: 'sandbox-voice-token', endpoint: 'voice.sandbox.invalid:443', sessionId: 'abc' },
        },
      });
      expect(answer).toMatchObject({ status: 400, error: 'Bad Request' });
      expect(JSON.stringify(answer)).toContain('channelId');
      expect(sut.control.players().filter((player) => player.connected)).toEqual([]);
    });

    it('plays a track through trackStart and queueEnd, and a queue through trackEnd', async () => {
      const player = await client.joinVoice(GUILD, VOICE_CHANNEL);
      const [first, second] = (
        await player.search({ query: 'Ostrava Nights', source: 'ytsearch' }, REQUESTER)
      ).tracks;
      await player.queue.add([first as Track, second as Track]);

      const started = nextEvent<[Player, Track]>(client.manager, 'trackStart');
      const ended = nextEvent<[Player, Track, { reason: string }]>(client.manager, 'trackEnd');
      const queueEnded = nextEvent<[Player, Track, { reason: string }]>(client.manager, 'queueEnd');
      await player.play();

      const [, startedTrack] = await started;
      expect(startedTrack.info.identifier).toBe(first?.info.identifier);
      const [, endedTrack, endPayload] = await ended;
      expect(endedTrack.info.identifier).toBe(first?.info.identifier);
      expect(endPayload.reason).toBe('finished');
      const [, lastTrack, lastPayload] = await queueEnded;
      expect(lastTrack.info.identifier).toBe(second?.info.identifier);
      expect(lastPayload.reason).toBe('finished');
      const reasons = sut.control.events
        .map((event) => event.message)
        .filter((message) => message.op === 'event')
        .map((message) => `${message.type}${message.type === 'TrackEndEvent' ? `:${message.reason}` : ''}`);
      expect(reasons).toEqual([
        'TrackStartEvent',
        'TrackEndEvent:finished',
        'TrackStartEvent',
        'TrackEndEvent:finished',
      ]);
    });

    it('skipping stops the current track (stopped); playing another track replaces it (replaced)', async () => {
      const player = await client.joinVoice(GUILD, VOICE_CHANNEL);
      const [first, second, third] = (
        await player.search({ query: 'Juniper Vale Marlowe', source: 'ytsearch' }, REQUESTER)
      ).tracks;
      await player.queue.add([first as Track, second as Track]);
      const started = nextEvent(client.manager, 'trackStart');
      await player.play();
      await started;

      const skipped = nextEvent<[Player, Track, { reason: string }]>(client.manager, 'trackEnd');
      const secondStarted = nextEvent<[Player, Track]>(client.manager, 'trackStart');
      await player.skip();
      const [, skippedTrack, skippedPayload] = await skipped;
      expect(skippedPayload.reason).toBe('stopped');
      expect(skippedTrack.info.identifier).toBe(first?.info.identifier);
      expect((await secondStarted)[1].info.identifier).toBe(second?.info.identifier);

      const replaced = nextEvent<[Player, Track, { reason: string }]>(client.manager, 'trackEnd');
      await player.play({ clientTrack: third as Track });
      const [, , replacedPayload] = await replaced;
      expect(replacedPayload.reason).toBe('replaced');
      const ends = sut.control.events.flatMap((event) =>
        event.message.op === 'event' && event.message.type === 'TrackEndEvent'
          ? [`${event.message.track.info.identifier}:${event.message.reason}`]
          : [],
      );
      expect(ends).toEqual([`${first?.info.identifier}:stopped`, `${second?.info.identifier}:replaced`]);
    });

    it('surfaces a stuck track as trackStuck and an exception as trackError then loadFailed', async () => {
      const player = await client.joinVoice(GUILD, VOICE_CHANNEL);
      const tracks = (await player.search({ query: 'Halden Drive', source: 'ytsearch' }, REQUESTER)).tracks;
      await player.queue.add(tracks.slice(0, 2));
      const started = nextEvent(client.manager, 'trackStart');
      await player.play();
      await started;

      const stuck = nextEvent<[Player, Track, { thresholdMs: number }]>(client.manager, 'trackStuck');
      const nextStarted = nextEvent<[Player, Track]>(client.manager, 'trackStart');
      sut.control.stickCurrentTrack(GUILD);
      const [, stuckTrack, stuckPayload] = await stuck;
      expect(stuckTrack.info.identifier).toBe(tracks[0]?.info.identifier);
      expect(stuckPayload.thresholdMs).toBe(10_000);
      // lavalink-client skips a stuck track: the next one starts.
      const [, second] = await nextStarted;
      expect(second.info.identifier).toBe(tracks[1]?.info.identifier);

      const errored = nextEvent<[Player, Track, { exception: { message: string } }]>(
        client.manager,
        'trackError',
      );
      const queueEnded = nextEvent<[Player, Track, { reason: string }]>(client.manager, 'queueEnd');
      sut.control.failCurrentTrack(GUILD, 'Decoder exploded');
      const [, erroredTrack, errorPayload] = await errored;
      expect(erroredTrack.info.identifier).toBe(tracks[1]?.info.identifier);
      expect(errorPayload.exception.message).toBe('Decoder exploded');
      const [, , endPayload] = await queueEnded;
      expect(endPayload.reason).toBe('loadFailed');
    });

    it('loads a TTS WAV over HTTP as an http track whose length comes from the WAV header', async () => {
      const tts = await TtsSandbox.start();
      try {
        const player = await client.joinVoice(GUILD, VOICE_CHANNEL);
        const text = 'Your song is up next, enjoy the show';
        const result = await player.search(
          { query: `${tts.url}/tts?text=${encodeURIComponent(text)}&voice=alto` },
          REQUESTER,
        );
        expect(result.loadType).toBe('track');
        expect(result.tracks[0]?.info).toMatchObject({
          sourceName: 'http',
          duration: text.length * 60,
          title: 'Unknown title',
        });

        await player.queue.add(result.tracks[0] as Track);
        const queueEnded = nextEvent<[Player, Track]>(client.manager, 'queueEnd');
        await player.play();
        const [, played] = await queueEnded;
        expect(played.info.sourceName).toBe('http');
      } finally {
        await tts.stop();
      }
    });
  });

  describe('playback controls', () => {
    let sut: LavalinkSandbox;
    let client: LavalinkClientHarness;

    beforeEach(async () => {
      // 0.05 wall ms per track ms: tracks last minutes of track time but seconds of wall time.
      sut = await LavalinkSandbox.start({ timeScale: 0.05, playerUpdateIntervalMs: 30 });
      client = new LavalinkClientHarness(sut);
      await client.init();
    });

    afterEach(async () => {
      await client.close();
      await sut.stop();
    });

    it('reflects pause, seek, resume and volume in playerUpdate and the player REST state', async () => {
      const player = await client.joinVoice(GUILD, VOICE_CHANNEL);
      const [track] = (await player.search({ query: 'Glass Orchard', source: 'ytsearch' }, REQUESTER)).tracks;
      await player.queue.add(track as Track);
      const started = nextEvent(client.manager, 'trackStart');
      await player.play();
      await started;

      await player.pause();
      const pausedAt = sut.control.lastSeq;
      const first = await sut.control.waitForEvent(isPlayerUpdate, { sinceSeq: pausedAt });
      const second = await sut.control.waitForEvent(isPlayerUpdate, { sinceSeq: first.seq });
      const positionOf = (event: LavalinkSandboxEvent) =>
        event.message.op === 'playerUpdate' ? event.message.state.position : -1;
      expect(positionOf(second)).toBe(positionOf(first));

      await player.seek(120_000);
      const afterSeek = await sut.control.waitForEvent(isPlayerUpdate, { sinceSeq: second.seq });
      expect(positionOf(afterSeek)).toBe(120_000);

      await player.resume();
      await eventually(async () => {
        const update = await client.nextRaw((payload) => payload.op === 'playerUpdate');
        expect((update.state as { position: number }).position).toBeGreaterThan(120_000);
      });

      await player.setVolume(40);
      const rest = await client.node.fetchPlayer(GUILD);
      expect(rest).toMatchObject({ volume: 40, paused: false, voice: { channelId: VOICE_CHANNEL } });
      expect(player.position).toBeGreaterThan(120_000);
    });
  });

  describe('B7: node restart and session resuming', () => {
    let sut: LavalinkSandbox;
    let client: LavalinkClientHarness;

    beforeEach(async () => {
      sut = await LavalinkSandbox.start({ timeScale: 0.02, playerUpdateIntervalMs: 30 });
      client = new LavalinkClientHarness(sut);
      await client.init();
    });

    afterEach(async () => {
      await client.close();
      await sut.stop();
    });

    /** Enables resuming and makes lavalink-client reconnect with the `Session-Id` header. */
    async function enableResuming(timeoutSeconds: number): Promise<string> {
      const sessionId = client.node.sessionId as string;
      await client.node.updateSession(true, timeoutSeconds);
      client.node.options.sessionId = sessionId;
      return sessionId;
    }

    it('B7: within the resume timeout the player keeps playing and ready.resumed is true', async () => {
      const sessionId = await enableResuming(10);
      const player = await client.joinVoice(GUILD, VOICE_CHANNEL);
      const [track] = (await player.search({ query: 'Quiet Voltage', source: 'ytsearch' }, REQUESTER)).tracks;
      await player.queue.add(track as Track);
      const started = nextEvent(client.manager, 'trackStart');
      await player.play();
      await started;
      const before = sut.control.players()[0]?.position ?? 0;

      const resumed = nextEvent<[unknown, { resumed: boolean; sessionId: string }, unknown[]]>(
        client.manager.nodeManager,
        'resumed',
      );
      await sut.control.restart({ keepSessions: true, downtimeMs: 150 });
      const [, payload, players] = await resumed;
      expect(payload).toMatchObject({ resumed: true, sessionId });
      expect(players).toEqual([
        expect.objectContaining({ guildId: GUILD, track: expect.objectContaining({}) }),
      ]);
      const after = sut.control.players();
      expect(after).toEqual([expect.objectContaining({ sessionId, guildId: GUILD, connected: true })]);
      expect(after[0]?.position).toBeGreaterThan(before);
    });

    it('B7: events that happen while disconnected are replayed after resuming', async () => {
      await enableResuming(10);
      const player = await client.joinVoice(GUILD, VOICE_CHANNEL);
      const [track] = (await player.search({ query: 'Rainy Day Arcade', source: 'ytsearch' }, REQUESTER))
        .tracks;
      await player.queue.add(track as Track);
      const started = nextEvent(client.manager, 'trackStart');
      await player.play();
      await started;
      await sut.control.nodeDown({ keepSessions: true });
      const queueEnded = nextEvent<[Player, Track, { reason: string }]>(client.manager, 'queueEnd');
      // The 2:22 track ends within 2.84 s of wall time, while the node is unreachable.
      await sut.control.waitForEvent(
        (event) => event.message.op === 'event' && event.message.type === 'TrackEndEvent',
        {
          sinceSeq: 0,
        },
      );
      expect(sut.control.sessions()[0]?.queuedMessages).toBeGreaterThan(0);
      await sut.control.nodeUp();
      const [, ended, payload] = await queueEnded;
      expect(ended.info.identifier).toBe(track?.info.identifier);
      expect(payload.reason).toBe('finished');
    });

    it('B7: after the resume timeout the session and its players are gone', async () => {
      const oldSessionId = await enableResuming(1);
      const player = await client.joinVoice(GUILD, VOICE_CHANNEL);
      const [track] = (await player.search({ query: 'Velvet Engine', source: 'ytsearch' }, REQUESTER)).tracks;
      await player.queue.add(track as Track);
      const started = nextEvent(client.manager, 'trackStart');
      await player.play();
      await started;

      const ready = client.nextRaw((payload) => payload.op === 'ready', 8000);
      await sut.control.restart({ keepSessions: true, downtimeMs: 1300 });
      const payload = await ready;
      expect(payload.resumed).toBe(false);
      expect(payload.sessionId).not.toBe(oldSessionId);
      expect(sut.control.sessions().map((session) => session.sessionId)).toEqual([payload.sessionId]);
      expect(sut.control.players()).toEqual([]);
      await expect(client.node.fetchAllPlayers()).resolves.toEqual([]);
    });

    it('a restart without kept sessions (process restart) gives a new session and no players', async () => {
      await enableResuming(60);
      await client.joinVoice(GUILD, VOICE_CHANNEL);
      const ready = client.nextRaw((payload) => payload.op === 'ready');
      await sut.control.restart({ keepSessions: false, downtimeMs: 50 });
      expect(await ready).toMatchObject({ resumed: false });
      expect(sut.control.players()).toEqual([]);
    });
  });
});
