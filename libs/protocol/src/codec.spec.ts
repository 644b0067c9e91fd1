import {
  FRAME_TYPES,
  FrameDirection,
  ProtocolErrorCode,
  ProtocolException,
  RPC_OPS,
  controllerFrameSchema,
  encodeFrame,
  MAX_FRAME_BYTES,
  packAnnounceFrames,
  parseFrame,
  parseRpcResult,
  runnerFrameSchema,
  type AnnouncedAgent,
  type ControllerFrame,
  type RpcOp,
  type RpcParams,
  type RpcResult,
  type RunnerFrame,
  type Track,
} from '@app/protocol';

const GUILD = '111111111111111111';
const VOICE = '222222222222222222';
const TEXT = '333333333333333333';
const USER = '444444444444444444';
const CLIENT = '555555555555555555';
const AGENT = `agent${CLIENT}`;

const track: Track = {
  encoded: 'QAAAjQIAJVJpY2sgQXN0bGV5',
  title: 'Never Gonna Give You Up',
  author: 'Rick Astley',
  uri: 'https://example.test/track/1',
  durationMs: 213_000,
  requestedBy: USER,
};
const queue = {
  current: { track, positionMs: 61_000 },
  upcoming: [track],
  loop: 'off' as const,
  volume: 80,
  paused: true,
};
const sessionReport = {
  guildId: GUILD,
  voiceChannelId: VOICE,
  textChannelId: TEXT,
  kind: 'music' as const,
  ownerUserId: USER,
  queue,
  lastActivityAt: 1_700_000_000_000,
};

/** One valid params/result pair per op; the type forces every op to be covered. */
const samples: { [Op in RpcOp]: { params: RpcParams<Op>; result: RpcResult<Op> } } = {
  'voice.join': {
    params: { guildId: GUILD, voiceChannelId: VOICE, textChannelId: TEXT },
    result: { guildId: GUILD, voiceChannelId: VOICE },
  },
  'voice.leave': { params: { guildId: GUILD }, result: { left: true } },
  'music.play': {
    params: {
      guildId: GUILD,
      voiceChannelId: VOICE,
      textChannelId: TEXT,
      query: 'never gonna',
      requestedBy: USER,
    },
    result: { track, queuePosition: 0, added: 1, queueLength: 1 },
  },
  'music.search': { params: { guildId: GUILD, query: 'rick', limit: 5 }, result: { tracks: [track] } },
  'music.skip': { params: { guildId: GUILD }, result: { skipped: track, next: null } },
  'music.pause': { params: { guildId: GUILD }, result: { paused: true } },
  'music.resume': { params: { guildId: GUILD }, result: { paused: false } },
  'music.stop': { params: { guildId: GUILD }, result: { stopped: true } },
  'music.volume': { params: { guildId: GUILD, volume: 150 }, result: { volume: 150 } },
  'music.queue': {
    params: { guildId: GUILD, page: 1 },
    result: {
      current: queue.current,
      upcoming: [track],
      page: 1,
      pages: 1,
      total: 1,
      loop: 'queue',
      volume: 100,
    },
  },
  'music.nowplaying': { params: { guildId: GUILD }, result: { current: queue.current, paused: false } },
  'music.remove': { params: { guildId: GUILD, index: 1 }, result: { removed: track } },
  'music.move': { params: { guildId: GUILD, from: 2, to: 1 }, result: { moved: track, to: 1 } },
  'music.shuffle': { params: { guildId: GUILD }, result: { count: 3 } },
  'music.clear': { params: { guildId: GUILD }, result: { cleared: 3 } },
  'music.loop': { params: { guildId: GUILD, mode: 'track' }, result: { mode: 'track' } },
  'assistant.join': {
    params: { guildId: GUILD, voiceChannelId: VOICE },
    result: { guildId: GUILD, voiceChannelId: VOICE },
  },
  'assistant.say': { params: { guildId: GUILD, text: 'hello there' }, result: { queued: false } },
  'assistant.leave': { params: { guildId: GUILD }, result: { left: true } },
  'assistant.status': {
    params: { guildId: GUILD },
    result: { active: true, voiceChannelId: VOICE, speaking: false, pending: 0 },
  },
  'session.resume': {
    params: { guildId: GUILD, voiceChannelId: VOICE, textChannelId: TEXT, queue },
    result: { resumed: queue.current, queueLength: 2 },
  },
  'session.report': { params: {}, result: { sessions: [sessionReport] } },
  status: {
    params: {},
    result: {
      agentId: AGENT,
      ready: true,
      uptimeMs: 5000,
      guilds: [{ guildId: GUILD, voiceChannelId: VOICE }],
      sessions: [sessionReport],
      lavalink: [{ nodeId: 'main', connected: true }],
    },
  },
};

const announced: AnnouncedAgent = {
  agentId: AGENT,
  clientId: CLIENT,
  botUserId: CLIENT,
  ready: true,
  guilds: [{ guildId: GUILD, voiceChannelId: null }],
  sessions: [sessionReport],
};

const runnerFrames: RunnerFrame[] = [
  {
    type: 'hello',
    protocol: { version: '1.0.0' },
    runnerId: 'runner-1',
    credential: 'rk_secret_value',
    capabilities: ['music', 'assistant'],
    runner: { version: '0.1.0', host: 'host-a', capacity: 300 },
  },
  { type: 'agent.announce', agents: [announced] },
  { type: 'agent.update', agentId: AGENT, change: { kind: 'ready', ready: false } },
  { type: 'agent.update', agentId: AGENT, change: { kind: 'guild.join', guild: { guildId: GUILD } } },
  { type: 'agent.update', agentId: AGENT, change: { kind: 'guild.leave', guildId: GUILD } },
  {
    type: 'agent.update',
    agentId: AGENT,
    change: { kind: 'voice.moved', guildId: GUILD, voiceChannelId: null },
  },
  {
    type: 'agent.update',
    agentId: AGENT,
    change: { kind: 'voice.humans', guildId: GUILD, voiceChannelId: VOICE, humans: 0 },
  },
  { type: 'agent.gone', agentId: AGENT, reason: 'login-failed' },
  { type: 'rpc.response', id: 'r1', agentId: AGENT, ok: true, result: { left: true } },
  {
    type: 'rpc.response',
    id: 'r2',
    agentId: AGENT,
    ok: false,
    error: { code: ProtocolErrorCode.NotInVoice, message: 'not in a voice channel' },
  },
  { type: 'session.report', agentId: AGENT, sessions: [sessionReport] },
  { type: 'event', agentId: AGENT, at: 1, event: { name: 'track.start', guildId: GUILD, track } },
  {
    type: 'event',
    agentId: AGENT,
    at: 2,
    event: { name: 'track.end', guildId: GUILD, track, reason: 'finished' },
  },
  {
    type: 'event',
    agentId: AGENT,
    at: 3,
    event: { name: 'track.exception', guildId: GUILD, track, message: 'decode failed' },
  },
  { type: 'event', agentId: AGENT, at: 4, event: { name: 'queue.end', guildId: GUILD } },
  {
    type: 'event',
    agentId: AGENT,
    at: 5,
    event: { name: 'voice.disconnected', guildId: GUILD, voiceChannelId: VOICE, code: 4014 },
  },
  {
    type: 'event',
    agentId: AGENT,
    at: 6,
    event: { name: 'humans.left', guildId: GUILD, voiceChannelId: VOICE },
  },
  {
    type: 'event',
    agentId: AGENT,
    at: 7,
    event: { name: 'lavalink.node', nodeId: 'main', state: 'reconnecting' },
  },
  {
    type: 'event',
    agentId: AGENT,
    at: 8,
    event: { name: 'login.failed', error: 'An invalid token was provided.' },
  },
  { type: 'ping', ts: 10 },
  { type: 'pong', ts: 10 },
  { type: 'drain', reason: 'SIGTERM' },
];

const controllerFrames: ControllerFrame[] = [
  {
    type: 'welcome',
    protocol: { version: '1.0.0', supported: { min: '1.0.0', max: '1.x' } },
    capabilities: ['music'],
    heartbeatIntervalMs: 15_000,
    staleAfterMs: 45_000,
    limits: { maxFrameBytes: MAX_FRAME_BYTES, maxFramesPerSecond: 200 },
    connectionId: 'c1',
  },
  {
    type: 'error',
    code: ProtocolErrorCode.FrameTooLarge,
    message: 'too big',
    fatal: false,
    ref: { id: 'r1' },
  },
  { type: 'ping', ts: 11 },
  { type: 'pong', ts: 11 },
  { type: 'shutdown', reason: 'controller restarting', reconnectAfterMs: 1000 },
  ...RPC_OPS.map(
    (op) =>
      ({
        type: 'rpc.request',
        id: `id-${op}`,
        agentId: AGENT,
        op,
        params: samples[op].params,
        timeoutMs: 5000,
      }) as ControllerFrame,
  ),
];

describe(parseFrame.name, () => {
  it.each(runnerFrames.map((frame, index) => [`${frame.type} #${index}`, frame] as const))(
    'round-trips runner frame %s',
    (_name, frame) => {
      const wire = encodeFrame(FrameDirection.RunnerToController, frame);
      expect(parseFrame(wire, FrameDirection.RunnerToController)).toEqual({ ok: true, frame });
      expect(parseFrame(Buffer.from(wire), FrameDirection.RunnerToController)).toEqual({ ok: true, frame });
    },
  );

  it.each(controllerFrames.map((frame, index) => [`${frame.type} #${index}`, frame] as const))(
    'round-trips controller frame %s',
    (_name, frame) => {
      const wire = encodeFrame(FrameDirection.ControllerToRunner, frame);
      expect(parseFrame(wire, FrameDirection.ControllerToRunner)).toEqual({ ok: true, frame });
    },
  );

  it('covers every frame type of both directions with a fixture', () => {
    expect(new Set(runnerFrames.map((frame) => frame.type))).toEqual(
      new Set(FRAME_TYPES['runner-to-controller']),
    );
    expect(new Set(controllerFrames.map((frame) => frame.type))).toEqual(
      new Set(FRAME_TYPES['controller-to-runner']),
    );
    expect(runnerFrameSchema.options).toHaveLength(FRAME_TYPES['runner-to-controller'].length);
    expect(controllerFrameSchema.options).toHaveLength(FRAME_TYPES['controller-to-runner'].length);
  });

  it('accepts ws RawData forms: ArrayBuffer and Buffer[]', () => {
    const wire = JSON.stringify({ type: 'ping', ts: 1 });
    const buffer = Buffer.from(wire);
    const arrayBuffer = buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
    expect(parseFrame(arrayBuffer, 'runner-to-controller')).toEqual({
      ok: true,
      frame: { type: 'ping', ts: 1 },
    });
    expect(parseFrame([buffer.subarray(0, 5), buffer.subarray(5)], 'runner-to-controller')).toEqual({
      ok: true,
      frame: { type: 'ping', ts: 1 },
    });
  });

  it('drops unknown extra keys so newer 1.x peers can add fields', () => {
    const result = parseFrame(JSON.stringify({ type: 'ping', ts: 1, extra: 'x' }), 'runner-to-controller');
    expect(result).toEqual({ ok: true, frame: { type: 'ping', ts: 1 } });
  });

  it('a session report keeps the paused state, and a report without it (older runner) still parses', () => {
    const paused = { type: 'session.report', agentId: AGENT, sessions: [sessionReport] };
    expect(parseFrame(JSON.stringify(paused), 'runner-to-controller')).toEqual({ ok: true, frame: paused });
    const { paused: _omitted, ...olderQueue } = queue;
    const older = {
      type: 'session.report',
      agentId: AGENT,
      sessions: [{ ...sessionReport, queue: olderQueue }],
    };
    const parsed = parseFrame(JSON.stringify(older), 'runner-to-controller');
    expect(parsed).toEqual({ ok: true, frame: older });
    expect(
      parsed.ok && parsed.frame.type === 'session.report' && parsed.frame.sessions[0].queue?.paused,
    ).toBe(undefined);
  });

  it('voice.moved may name the channel left and voice.disconnected may say requested/lost; frames without them (older runner) still parse', () => {
    const OTHER = '666666666666666666';
    const moved = {
      type: 'agent.update',
      agentId: AGENT,
      change: { kind: 'voice.moved', guildId: GUILD, voiceChannelId: OTHER, fromVoiceChannelId: VOICE },
    };
    expect(parseFrame(JSON.stringify(moved), 'runner-to-controller')).toEqual({ ok: true, frame: moved });
    const disconnected = {
      type: 'event',
      agentId: AGENT,
      at: 1,
      event: {
        name: 'voice.disconnected',
        guildId: GUILD,
        voiceChannelId: VOICE,
        requested: false,
        lost: true,
      },
    };
    expect(parseFrame(JSON.stringify(disconnected), 'runner-to-controller')).toEqual({
      ok: true,
      frame: disconnected,
    });
    const older = {
      type: 'event',
      agentId: AGENT,
      at: 1,
      event: { name: 'voice.disconnected', guildId: GUILD, voiceChannelId: VOICE },
    };
    expect(parseFrame(JSON.stringify(older), 'runner-to-controller')).toEqual({ ok: true, frame: older });
  });

  it.each([
    ['not JSON', '{nope', 'frame is not valid JSON'],
    ['an array', '[1,2]', 'frame must be a JSON object'],
    ['null', 'null', 'frame must be a JSON object'],
    ['no type', '{"ts":1}', 'frame has no string "type"'],
    ['an unknown type', '{"type":"teleport"}', 'unknown frame type "teleport"'],
  ])('rejects %s with frame-invalid', (_name, raw, message) => {
    expect(parseFrame(raw, 'runner-to-controller')).toEqual({ ok: false, error: 'frame-invalid', message });
  });

  it('rejects a frame type that belongs to the other direction', () => {
    const result = parseFrame(JSON.stringify({ type: 'welcome' }), 'runner-to-controller');
    expect(result).toMatchObject({ ok: false, error: ProtocolErrorCode.FrameInvalid });
  });

  it('rejects schema failures with frame-invalid naming the path, not the value', () => {
    const raw = JSON.stringify({ type: 'agent.gone', agentId: 'agentX-secretish', reason: 'bored' });
    const result = parseFrame(raw, 'runner-to-controller');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBe(ProtocolErrorCode.FrameInvalid);
    expect(result.message).toContain('agentId');
    expect(result.message).toContain('reason');
    expect(result.message).not.toContain('secretish');
  });

  it('rejects an rpc.request whose params do not match its op', () => {
    const frame = { type: 'rpc.request', id: '1', agentId: AGENT, op: 'music.volume', timeoutMs: 1000 };
    const tooLoud = parseFrame(
      JSON.stringify({ ...frame, params: { guildId: GUILD, volume: 201 } }),
      'controller-to-runner',
    );
    const unknownOp = parseFrame(
      JSON.stringify({ ...frame, op: 'music.teleport', params: {} }),
      'controller-to-runner',
    );
    expect(tooLoud).toMatchObject({ ok: false, error: ProtocolErrorCode.FrameInvalid });
    expect(unknownOp).toMatchObject({ ok: false, error: ProtocolErrorCode.FrameInvalid });
  });

  it('enforces the 200-character query and 500-character say limits', () => {
    const base = { type: 'rpc.request', id: '1', agentId: AGENT, timeoutMs: 1000 };
    const play = { guildId: GUILD, voiceChannelId: VOICE, requestedBy: USER };
    const atLimit = parseFrame(
      JSON.stringify({ ...base, op: 'music.play', params: { ...play, query: 'q'.repeat(200) } }),
      'controller-to-runner',
    );
    const overLimit = parseFrame(
      JSON.stringify({ ...base, op: 'music.play', params: { ...play, query: 'q'.repeat(201) } }),
      'controller-to-runner',
    );
    const sayOver = parseFrame(
      JSON.stringify({ ...base, op: 'assistant.say', params: { guildId: GUILD, text: 's'.repeat(501) } }),
      'controller-to-runner',
    );
    expect(atLimit.ok).toBe(true);
    expect(overLimit).toMatchObject({ ok: false, error: ProtocolErrorCode.FrameInvalid });
    expect(sayOver).toMatchObject({ ok: false, error: ProtocolErrorCode.FrameInvalid });
  });

  it('P3: a hello without a protocol version gets version-required', () => {
    const hello = { ...runnerFrames[0], protocol: {} };
    expect(parseFrame(JSON.stringify(hello), 'runner-to-controller')).toEqual({
      ok: false,
      error: ProtocolErrorCode.VersionRequired,
      message: 'protocol version is required',
    });
    const { protocol: _protocol, ...noProtocol } = runnerFrames[0] as Extract<RunnerFrame, { type: 'hello' }>;
    expect(parseFrame(JSON.stringify(noProtocol), 'runner-to-controller')).toMatchObject({
      ok: false,
      error: ProtocolErrorCode.VersionRequired,
    });
  });

  it('P1: a hello without a credential gets auth-failed, and the message never echoes one', () => {
    const { credential: _credential, ...hello } = runnerFrames[0] as Extract<RunnerFrame, { type: 'hello' }>;
    expect(parseFrame(JSON.stringify(hello), 'runner-to-controller')).toEqual({
      ok: false,
      error: ProtocolErrorCode.AuthFailed,
      message: 'runner credential is required',
    });
    const badRunner = parseFrame(
      JSON.stringify({ ...runnerFrames[0], runnerId: '' }),
      'runner-to-controller',
    );
    expect(badRunner).toMatchObject({ ok: false, error: ProtocolErrorCode.FrameInvalid });
    expect(JSON.stringify(badRunner)).not.toContain('rk_secret_value');
  });

  it('P5: a frame over 64 KiB is rejected with frame-too-large before it is decoded', () => {
    const padding = 'x'.repeat(MAX_FRAME_BYTES);
    const raw = JSON.stringify({ type: 'ping', ts: 1, padding });
    const result = parseFrame(raw, 'runner-to-controller');
    expect(result).toMatchObject({ ok: false, error: ProtocolErrorCode.FrameTooLarge });
    expect(parseFrame(Buffer.from(raw), 'runner-to-controller')).toMatchObject({
      ok: false,
      error: ProtocolErrorCode.FrameTooLarge,
    });
  });

  it('counts the cap in UTF-8 bytes, not characters, and accepts exactly the cap', () => {
    const envelope = JSON.stringify({ type: 'drain', reason: '' }).length;
    const exact = JSON.stringify({ type: 'drain', reason: 'a'.repeat(100) });
    expect(parseFrame(exact, 'runner-to-controller', { maxFrameBytes: envelope + 100 }).ok).toBe(true);
    const multiByte = JSON.stringify({ type: 'drain', reason: 'é'.repeat(60) });
    expect(parseFrame(multiByte, 'runner-to-controller', { maxFrameBytes: envelope + 100 })).toMatchObject({
      ok: false,
      error: ProtocolErrorCode.FrameTooLarge,
    });
  });
});

describe(encodeFrame.name, () => {
  it('refuses to send an invalid frame', () => {
    const frame = { type: 'ping', ts: -1 } as const;
    expect(() => encodeFrame('runner-to-controller', frame)).toThrow(ProtocolException);
  });

  it('refuses to send a frame over the cap with frame-too-large', () => {
    const frame = { type: 'drain', reason: 'x'.repeat(200) } as const;
    let caught: unknown;
    try {
      encodeFrame('runner-to-controller', frame, { maxFrameBytes: 100 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ProtocolException);
    expect((caught as ProtocolException).code).toBe(ProtocolErrorCode.FrameTooLarge);
  });
});

describe(parseRpcResult.name, () => {
  it.each(RPC_OPS)('accepts a valid %s result', (op) => {
    expect(parseRpcResult(op, samples[op].result)).toEqual({ ok: true, result: samples[op].result });
  });

  it('rejects a result of the wrong shape with frame-invalid', () => {
    const result = parseRpcResult('music.volume', { volume: 'loud' });
    expect(result).toMatchObject({ ok: false, error: ProtocolErrorCode.FrameInvalid });
    if (!result.ok) expect(result.message).toContain('music.volume');
  });
});

describe(packAnnounceFrames.name, () => {
  const agents = Array.from({ length: 300 }, (_, index): AnnouncedAgent => {
    const clientId = String(100000000000000000n + BigInt(index));
    return {
      agentId: `agent${clientId}`,
      clientId,
      botUserId: clientId,
      ready: true,
      guilds: Array.from({ length: 5 }, (_unused, g) => ({
        guildId: String(900000000000000000n + BigInt(g)),
      })),
    };
  });

  it('P8: packs 300 agents into frames that each fit the cap and keep every agent in order', () => {
    const frames = packAnnounceFrames(agents);
    expect(frames.length).toBeGreaterThan(1);
    for (const frame of frames) {
      const wire = encodeFrame('runner-to-controller', frame);
      expect(Buffer.byteLength(wire)).toBeLessThanOrEqual(MAX_FRAME_BYTES);
      expect(parseFrame(wire, 'runner-to-controller').ok).toBe(true);
    }
    expect(frames.flatMap((frame) => frame.agents.map((agent) => agent.agentId))).toEqual(
      agents.map((agent) => agent.agentId),
    );
  });

  it('fills frames up to a small cap exactly', () => {
    const maxFrameBytes = 2000;
    const frames = packAnnounceFrames(agents.slice(0, 20), maxFrameBytes);
    for (const frame of frames)
      expect(Buffer.byteLength(JSON.stringify(frame))).toBeLessThanOrEqual(maxFrameBytes);
    expect(frames.reduce((sum, frame) => sum + frame.agents.length, 0)).toBe(20);
  });

  it('throws frame-too-large when one agent alone exceeds the cap', () => {
    expect(() => packAnnounceFrames(agents.slice(0, 1), 50)).toThrow(ProtocolException);
  });
});
