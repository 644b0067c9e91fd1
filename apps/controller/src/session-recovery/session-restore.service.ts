import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { SessionReport } from '@app/protocol';
import { Allocator, ReleaseReason, SessionRegistry } from '@app/sessions';
import { AgentGatewayEvents, AgentRpcClient } from '../agent-gateway';

/** One claim on a session key: the agent and the activity it reports (epoch ms). */
export interface SessionClaim {
  agentId: string;
  lastActivityAt: number;
}

/**
 * Decides which of two agents keeps a session key both claim (e.g. after a controller restart,
 * an old agent still sitting in a channel a failover moved elsewhere). Deterministic: the more
 * recent activity wins; on a tie the lexically smaller agent id wins.
 * @returns the winning claim
 */
export function resolveSessionConflict(a: SessionClaim, b: SessionClaim): SessionClaim {
  if (a.lastActivityAt !== b.lastActivityAt) return a.lastActivityAt > b.lastActivityAt ? a : b;
  return a.agentId <= b.agentId ? a : b;
}

/**
 * Controller restart recovery (SPEC §5, ACCEPTANCE A10): when runners reconnect and announce
 * agents with the sessions they hold, the session registry is rebuilt from those reports with
 * `Allocator.restoreReported` — no RPC reaches the players, so playback never stops. When two
 * agents report the same key the winner is chosen by {@link resolveSessionConflict}, logged,
 * and the losing agent is asked to leave that voice channel.
 */
@Injectable()
export class SessionRestoreService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SessionRestoreService.name);
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly events: AgentGatewayEvents,
    private readonly sessions: SessionRegistry,
    private readonly allocator: Allocator,
    private readonly rpc: AgentRpcClient,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.on('agents.announced', ({ agents }) => {
      for (const agent of agents) {
        if (agent.sessions && agent.sessions.length > 0) this.restore(agent.agentId, agent.sessions);
      }
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /**
   * Restores the sessions one agent reports holding.
   * @returns how many sessions were bound to the agent
   */
  restore(agentId: string, reports: readonly SessionReport[]): number {
    const accepted: SessionReport[] = [];
    for (const report of reports) {
      const existing = this.sessions.get(report);
      if (!existing || existing.agentId === agentId) {
        accepted.push(report);
        continue;
      }
      const claim = { agentId, lastActivityAt: report.lastActivityAt ?? 0 };
      const held = { agentId: existing.agentId, lastActivityAt: existing.lastActivityAt };
      const winner = resolveSessionConflict(claim, held);
      const loser = winner === claim ? held : claim;
      this.logger.warn(
        `agents ${agentId} and ${existing.agentId} both report the ${report.kind} session of ${report.guildId}/${report.voiceChannelId}; ${winner.agentId} keeps it, ${loser.agentId} is asked to leave`,
      );
      if (winner === claim) {
        this.allocator.release(existing.sessionId, ReleaseReason.Admin);
        accepted.push(report);
      }
      this.rpc.call(loser.agentId, 'voice.leave', { guildId: report.guildId }).then(
        () => undefined,
        (error: unknown) =>
          this.logger.debug(
            `voice.leave for the losing agent ${loser.agentId} failed: ${error instanceof Error ? error.message : String(error)}`,
          ),
      );
    }
    const result = this.allocator.restoreReported(agentId, accepted);
    for (const conflict of result.conflicts) {
      this.logger.warn(
        `could not restore the ${conflict.report.kind} session of ${agentId} in ${conflict.report.guildId}/${conflict.report.voiceChannelId}: ${conflict.code}`,
      );
    }
    if (result.restored.length > 0) {
      this.logger.log(`restored ${result.restored.length} session(s) reported by ${agentId}`);
    }
    return result.restored.length;
  }
}
