import {
  Events,
  GatewayDispatchEvents,
  GatewayIntentBits,
  GatewayOpcodes,
  type Client,
  type GatewayDispatchPayload,
} from 'discord.js';
import { WebSocket } from 'ws';
import { DiscordSandbox, GatewayCloseCode, Intent } from '../../src/discord';
import { createWorld, loginReady, sandboxClient, waitForEvent, type SandboxWorld } from './discord-fixtures';

/** A raw gateway connection recording every frame and the close code. */
class RawGateway {
  readonly frames: { op: GatewayOpcodes; d: unknown; s: number | null; t: string | null }[] = [];
  readonly closed: Promise<number>;
  readonly ws: WebSocket;

  constructor(url: string) {
    this.ws = new WebSocket(`${url}?v=10&encoding=json`);
    this.ws.on('message', (data: Buffer) =>
      this.frames.push(JSON.parse(data.toString('utf8')) as RawGateway['frames'][number]),
    );
    this.closed = new Promise((resolve) => this.ws.on('close', (code) => resolve(code)));
  }

  async open(): Promise<void> {
    await waitForEvent(this.ws, 'open');
    await this.next((f) => f.op === GatewayOpcodes.Hello);
  }

  send(payload: unknown): void {
    this.ws.send(typeof payload === 'string' ? payload : JSON.stringify(payload));
  }

  async next(
    filter: (f: RawGateway['frames'][number]) => boolean,
    ms = 5000,
  ): Promise<RawGateway['frames'][number]> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const found = this.frames.find(filter);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('frame not received');
  }
}

describe(DiscordSandbox.name, () => {
  let world: SandboxWorld;
  let sut: Client;
  const raws: RawGateway[] = [];

  beforeEach(async () => {
    world = await createWorld();
    sut = sandboxClient(world.sandbox);
  });

  afterEach(async () => {
    for (const raw of raws.splice(0)) raw.ws.terminate();
    await sut.destroy();
    await world.sandbox.stop();
  });

  const raw = async () => {
    const connection = new RawGateway(world.sandbox.urls.gateway);
    raws.push(connection);
    await connection.open();
    return connection;
  };

  it('logs a discord.js client in: READY then GUILD_CREATE, clientReady with the guild', async () => {
    await loginReady(sut, world.app.token);

    const guild = sut.guilds.cache.get(world.guild.guildId);
    expect(sut.user?.id).toBe(world.app.botUserId);
    expect(guild?.name).toBe('Test Guild');
    expect(guild?.channels.cache.map((c) => c.name).sort()).toEqual(['Lounge', 'Music', 'general']);
    expect(guild?.members.cache.has(world.userId)).toBe(true);
  });

  it('rejects a login with an unknown token', async () => {
    await expect(sut.login('MTIz.AAAA.bogus')).rejects.toThrow(/token/i);
  });

  it('closes with 4004 on identify with a bad token, 4003 before identify, 4002 on bad JSON, 4001 on an unknown opcode', async () => {
    const badToken = await raw();
    badToken.send({ op: 2, d: { token: 'nope', intents: 1, properties: {} } });
    const notAuthenticated = await raw();
    notAuthenticated.send({ op: 4, d: { guild_id: world.guild.guildId, channel_id: null } });
    const decode = await raw();
    decode.send('{not json');
    const unknownOp = await raw();
    unknownOp.send({ op: 99, d: null });

    await expect(badToken.closed).resolves.toBe(GatewayCloseCode.AuthenticationFailed);
    await expect(notAuthenticated.closed).resolves.toBe(GatewayCloseCode.NotAuthenticated);
    await expect(decode.closed).resolves.toBe(GatewayCloseCode.DecodeError);
    await expect(unknownOp.closed).resolves.toBe(GatewayCloseCode.UnknownOpcode);
  });

  it('closes with 4013 on invalid intents and 4014 on a privileged intent the app lacks', async () => {
    const invalid = await raw();
    invalid.send({ op: 2, d: { token: world.app.token, intents: 1 << 30, properties: {} } });
    const disallowed = await raw();
    disallowed.send({
      op: 2,
      d: { token: world.app.token, intents: Intent.Guilds | Intent.MessageContent, properties: {} },
    });

    await expect(invalid.closed).resolves.toBe(GatewayCloseCode.InvalidIntents);
    await expect(disallowed.closed).resolves.toBe(GatewayCloseCode.DisallowedIntents);
  });

  it('acks heartbeats, numbers dispatches, and closes a connection that stops heartbeating with 4009', async () => {
    const conn = await raw();
    conn.send({ op: 1, d: null });
    await conn.next((f) => f.op === GatewayOpcodes.HeartbeatAck);
    conn.send({ op: 2, d: { token: world.app.token, intents: Intent.Guilds, properties: {} } });
    const ready = await conn.next((f) => f.t === 'READY');
    const guildCreate = await conn.next((f) => f.t === 'GUILD_CREATE');

    expect(ready.s).toBe(1);
    expect(guildCreate.s).toBe(2);
    expect(ready.d).toMatchObject({
      v: 10,
      session_id: expect.any(String),
      resume_gateway_url: world.sandbox.urls.gateway,
    });
    await expect(conn.closed).resolves.toBe(GatewayCloseCode.SessionTimedOut);
  });

  it('resumes a raw session with replay then RESUMED, and closes a resume with a future seq with 4007', async () => {
    const first = await raw();
    first.send({
      op: 2,
      d: { token: world.app.token, intents: Intent.Guilds | Intent.GuildVoiceStates, properties: {} },
    });
    const ready = await first.next((f) => f.t === 'READY');
    await first.next((f) => f.t === 'GUILD_CREATE');
    const sessionId = (ready.d as { session_id: string }).session_id;
    first.ws.terminate();
    await first.closed;
    world.sandbox.control.moveVoice(world.guild.guildId, world.userId, world.guild.channels.Lounge);

    const ahead = await raw();
    ahead.send({ op: 6, d: { token: world.app.token, session_id: sessionId, seq: 99 } });
    await expect(ahead.closed).resolves.toBe(GatewayCloseCode.InvalidSeq);
    const second = await raw();
    second.send({ op: 6, d: { token: world.app.token, session_id: sessionId, seq: 2 } });
    const resumed = await second.next((f) => f.t === 'RESUMED');

    expect(second.frames.filter((f) => f.op === GatewayOpcodes.Dispatch).map((f) => [f.t, f.s])).toEqual([
      ['VOICE_STATE_UPDATE', 3],
      ['RESUMED', 4],
    ]);
    expect(resumed.s).toBe(4);
  });

  it('delays REST answers by the configured latency fault', async () => {
    world.sandbox.control.setLatency({ restMs: 300 });
    const started = Date.now();

    const res = await fetch(`${world.sandbox.urls.api}/v10/gateway`);

    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('a new gateway session joining the channel its old session was in gets a fresh VOICE_SERVER_UPDATE', async () => {
    const identify = async () => {
      const conn = await raw();
      conn.send({
        op: 2,
        d: { token: world.app.token, intents: Intent.Guilds | Intent.GuildVoiceStates, properties: {} },
      });
      await conn.next((f) => f.t === 'GUILD_CREATE');
      return conn;
    };
    const join = { op: 4, d: { guild_id: world.guild.guildId, channel_id: world.guild.channels.Music } };
    const first = await identify();
    first.send(join);
    await first.next((f) => f.t === 'VOICE_SERVER_UPDATE');
    first.ws.terminate();
    await first.closed;

    const second = await identify();
    second.send(join);
    const serverUpdate = await second.next((f) => f.t === 'VOICE_SERVER_UPDATE');

    expect(serverUpdate.d).toMatchObject({ guild_id: world.guild.guildId, token: expect.any(String) });
  });

  it('answers op 4 with VOICE_STATE_UPDATE then VOICE_SERVER_UPDATE, and a leave with a state update only', async () => {
    await loginReady(sut, world.app.token);
    const events: GatewayDispatchPayload[] = [];
    sut.on(Events.Raw, (packet: GatewayDispatchPayload) => events.push(packet));
    const guild = sut.guilds.cache.get(world.guild.guildId)!;
    const voiceChannelId = world.guild.channels.Music;
    const serverUpdate = waitForEvent(
      sut,
      Events.Raw,
      (p: GatewayDispatchPayload) => p.t === GatewayDispatchEvents.VoiceServerUpdate,
    );

    guild.shard.send({
      op: GatewayOpcodes.VoiceStateUpdate,
      d: { guild_id: guild.id, channel_id: voiceChannelId, self_mute: false, self_deaf: true },
    });
    await serverUpdate;
    const leave = waitForEvent(
      sut,
      Events.VoiceStateUpdate,
      (_old, state: { channelId: string | null }) => state.channelId === null,
    );
    guild.shard.send({
      op: GatewayOpcodes.VoiceStateUpdate,
      d: { guild_id: guild.id, channel_id: null, self_mute: false, self_deaf: false },
    });
    await leave;

    const kinds = events.map((e) => e.t);
    expect(kinds).toEqual(['VOICE_STATE_UPDATE', 'VOICE_SERVER_UPDATE', 'VOICE_STATE_UPDATE']);
    expect(events[0].d).toMatchObject({
      user_id: world.app.botUserId,
      channel_id: voiceChannelId,
      session_id: expect.any(String),
      self_deaf: true,
    });
    expect(events[1].d).toMatchObject({
      guild_id: guild.id,
      token: expect.any(String),
      endpoint: expect.any(String),
    });
    expect(world.sandbox.control.getVoiceState(guild.id, world.app.botUserId)).toBeNull();
  });

  it('dispatches VOICE_STATE_UPDATE when a user is moved into voice through the control API', async () => {
    await loginReady(sut, world.app.token);
    const update = waitForEvent(sut, Events.VoiceStateUpdate);

    world.sandbox.control.moveVoice(world.guild.guildId, world.userId, world.guild.channels.Lounge);

    const [, state] = await update;
    expect(state).toMatchObject({ id: world.userId, channelId: world.guild.channels.Lounge });
    expect(sut.guilds.cache.get(world.guild.guildId)?.voiceStates.cache.get(world.userId)?.channelId).toBe(
      world.guild.channels.Lounge,
    );
  });

  it('strips message content from MESSAGE_CREATE unless the app has the MESSAGE_CONTENT intent', async () => {
    const privileged = world.sandbox.control.createApplication({
      name: 'Reader',
      privilegedIntents: ['MessageContent'],
    });
    world.sandbox.control.addMember(world.guild.guildId, privileged.botUserId);
    const reader = sandboxClient(world.sandbox, {
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
    });
    const plain = sandboxClient(world.sandbox, {
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages],
    });
    try {
      await Promise.all([loginReady(reader, privileged.token), loginReady(plain, world.app.token)]);
      const read = waitForEvent(reader, Events.MessageCreate);
      const blind = waitForEvent(plain, Events.MessageCreate);

      world.sandbox.control.postUserMessage({
        userId: world.userId,
        channelId: world.guild.channels.general,
        content: 'hello bots',
      });

      const [[seen], [hidden]] = await Promise.all([read, blind]);
      expect(seen).toMatchObject({ content: 'hello bots' });
      expect(hidden).toMatchObject({ content: '' });
    } finally {
      await Promise.all([reader.destroy(), plain.destroy()]);
    }
  });

  it('sends GUILD_CREATE on invite and GUILD_DELETE when the bot is removed', async () => {
    await loginReady(sut, world.app.token);
    const other = world.sandbox.control.createGuild({ name: 'Second Guild', ownerId: world.userId });
    const created = waitForEvent(sut, Events.GuildCreate);
    world.sandbox.control.inviteBot(other.guildId, world.app.applicationId, '2048');
    const [guild] = await created;
    expect(guild.id).toBe(other.guildId);

    const deleted = waitForEvent(sut, Events.GuildDelete);
    world.sandbox.control.removeMember(other.guildId, world.app.botUserId);

    const [gone] = await deleted;
    expect(gone.id).toBe(other.guildId);
    expect(sut.guilds.cache.has(other.guildId)).toBe(false);
  });

  it('resumes after the socket is killed and replays the event dispatched while disconnected', async () => {
    await loginReady(sut, world.app.token);
    const resumed = waitForEvent(sut, Events.ShardResume);
    const replayed = waitForEvent(sut, Events.VoiceStateUpdate);
    const readyAgain = jest.fn();
    sut.on(Events.ShardReady, readyAgain);

    expect(world.sandbox.control.dropGateway({ botUserId: world.app.botUserId, mode: 'kill' })).toEqual({
      dropped: 1,
    });
    world.sandbox.control.moveVoice(world.guild.guildId, world.userId, world.guild.channels.Lounge);

    const [, replayedEvents] = await resumed;
    const [, state] = await replayed;
    expect(replayedEvents).toBeGreaterThanOrEqual(1);
    expect(state).toMatchObject({ id: world.userId, channelId: world.guild.channels.Lounge });
    expect(readyAgain).not.toHaveBeenCalled();
  });

  it('identifies afresh when the resume is refused with op 9 d:false', async () => {
    const sessions: string[] = [];
    sut.on(Events.Raw, (p: GatewayDispatchPayload) => {
      if (p.t === GatewayDispatchEvents.Ready) sessions.push(p.d.session_id);
    });
    await loginReady(sut, world.app.token);
    const readyAgain = waitForEvent(sut, Events.ShardReady);
    const resumed = jest.fn();
    sut.on(Events.ShardResume, resumed);

    world.sandbox.control.refuseNextResume(world.app.botUserId);
    world.sandbox.control.dropGateway({
      botUserId: world.app.botUserId,
      mode: 'close',
      code: GatewayCloseCode.UnknownError,
    });

    await readyAgain;
    expect(resumed).not.toHaveBeenCalled();
    expect(world.sandbox.control.isConnected(world.app.botUserId)).toBe(true);
    expect(sessions).toHaveLength(2);
    expect(world.sandbox.control.identifyCount(world.app.applicationId)).toBe(2);
    expect(sessions[1]).not.toBe(sessions[0]);
  }, 20000); // @discordjs/ws spaces identifies of one bucket 5 s apart, so the re-identify waits
});
