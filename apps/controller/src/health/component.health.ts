import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { AgentGateway } from '../agent-gateway';
import { DiscordReadiness } from '../discord';

/**
 * Readiness of the controller's own connections: the Discord gateway session (ready, not
 * resuming or invalidated) and the agent gateway (listening for runners, with its socket count).
 */
@Injectable()
export class ComponentHealthIndicators {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly discord: DiscordReadiness,
    private readonly agentGateway: AgentGateway,
  ) {}

  /** `discord: up` once the controller bot's gateway session is ready. */
  discordGateway() {
    const indicator = this.indicators.check('discord');
    const state = this.discord.state();
    return this.discord.isReady() ? indicator.up({ ...state }) : indicator.down({ ...state });
  }

  /** `agent_gateway: up` while the runner WebSocket server is listening. */
  agentGatewayListening() {
    const indicator = this.indicators.check('agent_gateway');
    try {
      return indicator.up({ port: this.agentGateway.port, connections: this.agentGateway.connectionCount });
    } catch {
      return indicator.down({ message: 'not listening' });
    }
  }
}
