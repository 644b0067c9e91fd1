import type { RpcRequestFrame, Track } from '@app/protocol';
import type { GuildCreated } from '@app/sandbox';
import { SessionRegistry } from '@app/sessions';
import { AgentGateway } from '@apps/controller';
import { TestRunnerClient, announcedAgent } from '../support/runner-client';
import { createStack, type Stack, until } from './support/stack';

/**
 * Reconciliation of the controller's sessions with the agents' `session.report` (issue 5): a
 * session an agent no longer reports ends once it has been bound and missing for the grace period
 * (15 s), with a notice, and the agent is idle again. The agent here is a protocol peer (a
 * `TestRunnerClient` holding the agent's lease, speaking the runner protocol over the real agent
 * gateway socket), because a real runner only drops a player together with a voice disconnect,
 * which ends the session at once (see `voice-moderation.e2e-spec.ts`).
 */
jest.setTimeout(90_000);

describe('Session reconciliation', () => {
  let stack: Stack;
  let guild: GuildCreated;
  let ana: string;
  let client: TestRunnerClient | null = null;

  beforeAll(async () => {
    stack = await createStack({ agentCount: 1 });
    guild = stack.createGuild({ name: 'Reconciled Guild', voiceChannels: ['Music 1'], agents: 'all' });
    ana = stack.createUser('ana', [guild]);
    await stack.startController();
    await stack.moveVoice(ana, guild, guild.channels['Music 1']);
  });

  afterAll(async () => {
    await client?.close();
    await stack?.close();
  });

  it('a session its agent stops reporting ends after the grace period (session-lost, notice), not before, and the agent is free again', async () => {
    const { runnerId, secret } = await stack.ctx.runners.create(
      { capacity: 1 },
      { id: 'operator', operator: true },
    );
    const claim = await stack.ctx.leases.claim(runnerId, { capacity: 1, ttlSeconds: 600 });
    expect(claim.held).toEqual([stack.agentIds[0]]);
    const agentId = stack.agentIds[0];
    const gatewayPort = stack.controller!.get(AgentGateway).port;
    client = await TestRunnerClient.authenticated(`ws://127.0.0.1:${gatewayPort}`, {
      runnerId,
      credential: secret,
    });
    const track: Track = {
      encoded: 'QAAAvQMAC05lb24gSGFyYm9y',
      title: 'Neon Harbor',
      author: 'The Paper Lanterns',
      uri: 'https://example.test/neon',
      durationMs: 212_000,
      requestedBy: ana,
    };
    client.onRpc((request: RpcRequestFrame) => {
      const result =
        request.op === 'music.play'
          ? { track, queuePosition: 0, added: 1, queueLength: 0 }
          : request.op === 'voice.leave'
            ? { left: false }
            : null;
      return result === null
        ? {
            type: 'rpc.response',
            id: request.id,
            agentId,
            ok: false,
            error: { code: 'unsupported-op', message: 'no' },
          }
        : { type: 'rpc.response', id: request.id, agentId, ok: true, result };
    });
    client.announce([announcedAgent(agentId, [guild.guildId])]);
    await stack.waitForAgents(guild.guildId, 1);

    const sessions = stack.get(SessionRegistry);
    const played = await stack.slash(ana, guild, 'music', {
      subcommand: 'play',
      options: { query: 'neon harbor' },
    });
    expect(played.error).toBeUndefined();
    const session = sessions.get({
      guildId: guild.guildId,
      voiceChannelId: guild.channels['Music 1'],
      kind: 'music',
    });
    expect(session?.agentId).toBe(agentId);

    // The agent reports holding nothing (its player is gone).
    client.send({ type: 'session.report', agentId, sessions: [] });
    // Frames are handled in order: once the ping after the report is answered, the controller has
    // seen the report — and still holds the session (the grace period has not passed).
    client.send({ type: 'ping', ts: 42 });
    await client.next((frame) => frame.type === 'pong' && frame.ts === 42);
    expect(sessions.getById(session!.sessionId)).toBe(session);

    await until(() => sessions.getById(session!.sessionId) === undefined, 'the session to end', 30_000);
    await until(
      () =>
        stack.discord.control
          .listMessages(guild.textChannelIds[0])
          .some(
            (m) =>
              m.content ===
              `⚠️ <@${stack.agents[0].botUserId}> lost its player in <#${guild.channels['Music 1']}>, so the music session ended. Run /music play to start again.`,
          ),
      'the notice in the text channel',
    );
    expect(sessions.agentSessionInGuild(agentId, guild.guildId)).toBeUndefined();
  });
});
