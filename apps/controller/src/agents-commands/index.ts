/** Public surface of the `/agents` slash commands feature. */
export { AgentsCommandsModule, type AgentsCommandsModuleOptions } from './agents-commands.module';
export {
  AGENTS_COMMANDS_OPTIONS,
  AGENTS_EMBED_COLOR,
  type AgentsCommandsOptions,
} from './agents-commands.constants';
export { AgentsCommandErrorCode, AgentsCommandException } from './agents-commands.exception';
export {
  AgentsOverviewService,
  type AgentDiagnosis,
  type GuildStatusView,
  type NetworkStatusView,
  type PoolAdvice,
} from './agents-overview.service';
export {
  AgentTokenAddUseCase,
  type AgentTokenAddInput,
  type AgentTokenAddResult,
} from './agent-token-add.use-case';
export { AgentsCommands, idleSecondsFrom, parseAgent } from './agents.commands';
export { toAgentsReplyError } from './agents-replies';
