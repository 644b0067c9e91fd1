import type { GuildCreated, InteractionResult } from '@app/sandbox';
import { AgentRegistry } from '@app/sessions';
import { createStack, type ExtraRunner, type Stack, until } from './stack';

/**
 * The stage of a music failover test: two agents and real time (Lavalink time scale 1), one
 * guild with the voice channel `Music 1` where the listener `ana` sits, the controller running and
 * a first runner (capacity 1) whose one agent is ready in the guild — the runner a test SIGKILLs.
 */
export interface MusicFailoverStage {
  stack: Stack;
  guild: GuildCreated;
  /** The listener's user id (in `Music 1`). */
  ana: string;
  /** The first runner: it carries agent A, the one that plays first. */
  runner1: ExtraRunner;
  /** Runs `/music <subcommand>` as the listener and waits for the final response. */
  music(subcommand: string, options?: Record<string, string>): Promise<InteractionResult>;
  /**
   * Starts a second runner (capacity 1) and waits until its agent is ready in the guild too.
   * @returns the agent id and bot user id of that agent (the one that is not `agentA`)
   */
  startSecondRunner(agentA: string): Promise<{ agentId: string; botUserId: string }>;
  /** Waits until a message in the guild's first text channel starts with `start` (`what` names it). */
  untilAnnounced(start: string, what: string): Promise<void>;
}

/**
 * Builds a {@link MusicFailoverStage} for a guild called `guildName`; closes the stack again when
 * a step fails, so a failed setup leaves no process or database behind.
 */
export async function createMusicFailoverStage(guildName: string): Promise<MusicFailoverStage> {
  const stack = await createStack({ agentCount: 2, timeScale: 1 });
  try {
    const guild = stack.createGuild({ name: guildName, voiceChannels: ['Music 1'], agents: 'all' });
    const ana = stack.createUser('ana', [guild]);
    await stack.startController();
    const runner1 = await stack.startExtraRunner({ capacity: 1 });
    await stack.waitForAgents(guild.guildId, 1);
    await stack.moveVoice(ana, guild, guild.channels['Music 1']);
    return {
      stack,
      guild,
      ana,
      runner1,
      music: (subcommand, options = {}) => stack.slash(ana, guild, 'music', { subcommand, options }),
      async startSecondRunner(agentA) {
        await stack.startExtraRunner({ capacity: 1 });
        await stack.waitForAgents(guild.guildId, 2);
        const registry = stack.get(AgentRegistry);
        const agentId = [...registry.agentIdsInGuild(guild.guildId)].find((id) => id !== agentA)!;
        return { agentId, botUserId: registry.get(agentId)!.botUserId };
      },
      untilAnnounced: (start, what) =>
        until(
          () =>
            stack.discord.control
              .listMessages(guild.textChannelIds[0])
              .some((m) => typeof m.content === 'string' && m.content.startsWith(start)),
          what,
        ),
    };
  } catch (error) {
    await stack.close();
    throw error;
  }
}
