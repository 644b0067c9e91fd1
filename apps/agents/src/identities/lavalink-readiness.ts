import { ProtocolErrorCode } from '@app/protocol';
import type { LavalinkManager, Player } from 'lavalink-client';
import { AgentRpcException } from '../control/agent-rpc.exception';

/** How long a join waits for Discord's voice state and server updates (ms). */
export const VOICE_READY_TIMEOUT_MS = 10_000;
/** How long an op waits for a Lavalink node to become usable (ms). */
export const NODE_READY_TIMEOUT_MS = 5_000;

/** Whether any of the manager's nodes is connected with a session (Lavalink v4 `ready` received). */
export function lavalinkNodeUsable(manager: LavalinkManager): boolean {
  return [...manager.nodeManager.nodes.values()].some((node) => node.connected && node.sessionId);
}

/**
 * Waits until a Lavalink node is usable.
 * @throws AgentRpcException `lavalink-unavailable` when no node is configured or none becomes
 *   usable within {@link NODE_READY_TIMEOUT_MS}
 */
export async function waitForLavalinkNode(manager: LavalinkManager): Promise<void> {
  const deadline = Date.now() + NODE_READY_TIMEOUT_MS;
  while (!lavalinkNodeUsable(manager)) {
    if (manager.nodeManager.nodes.size === 0 || Date.now() > deadline) {
      throw new AgentRpcException(
        ProtocolErrorCode.LavalinkUnavailable,
        'No Lavalink node is available right now.',
      );
    }
    await delay(50);
  }
}

/**
 * Waits until Discord confirmed the voice channel (`currentChannel` = the identity's own voice
 * state) and the voice server update reached the player (token, endpoint, session id — what
 * Lavalink needs to connect; Lavalink v4 docs, Update Player › Voice State).
 * @throws AgentRpcException `not-in-voice` after {@link VOICE_READY_TIMEOUT_MS}
 */
export async function waitForVoice(
  player: Player,
  voiceChannelId: string,
  currentChannel: (guildId: string) => string | null,
): Promise<void> {
  const deadline = Date.now() + VOICE_READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (
      currentChannel(player.guildId) === voiceChannelId &&
      player.voice?.endpoint &&
      player.voice.token &&
      player.voice.sessionId
    )
      return;
    await delay(25);
  }
  throw new AgentRpcException(ProtocolErrorCode.NotInVoice, 'Could not join the voice channel in time.');
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
