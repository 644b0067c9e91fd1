/** Public surface of the controller's agent gateway feature (used by the app module and tests). */
export { AgentGatewayModule } from './agent-gateway.module';
export {
  agentGatewayEnvShape,
  agentGatewayOptionsFromEnv,
  type AgentGatewayEnv,
} from './agent-gateway.config';
export { AgentGateway, type AgentGatewayConnectionView } from './agent-gateway.gateway';
export { AgentRpcClient, type AgentRpcCallOptions } from './agent-rpc.client';
export { AgentGatewayEvents, type AgentGatewayEventMap, type AgentsLostReason } from './agent-gateway.events';
export {
  AgentRpcException,
  GatewayErrorCode,
  GatewayException,
  toErrorFrame,
} from './agent-gateway.exception';
export type { AgentGatewayOptions, AgentBreakerOptions } from './agent-gateway.options';
export type { AgentLeaseChecker, RunnerAuthenticator } from './agent-gateway.ports';
export type { BreakerState } from './agent-circuit-breakers';
export {
  AGENT_GATEWAY_DEFAULTS,
  AGENT_LEASE_CHECKER,
  DEFAULT_AGENT_CONTROL_PORT,
  RUNNER_AUTHENTICATOR,
} from './agent-gateway.constants';
