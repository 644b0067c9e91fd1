/** Public API of the agent runner app, for the demo, benchmarks and e2e tests that boot it in-process. */
export { AgentsAppModule } from './app.module';
export { agentsEnvSchema, loadAgentsConfig } from './config/agents.config';
export type { AgentsConfig } from './config/agents.config';
export { RunnerService } from './runner/runner.service';
export { AGENT_INTENTS, AgentIdentity } from './identities/agent-identity';
export type { AgentIdentityOptions } from './identities/agent-identity';
export type { LavalinkNodeConfig } from './config/lavalink-nodes';
