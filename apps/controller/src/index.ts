/** Public API of the controller app, for the demo, benchmarks and e2e tests that boot it in-process. */
export { ControllerAppModule } from './app.module';
export { controllerEnvSchema, loadControllerConfig } from './config/controller.config';
export type { ControllerConfig } from './config/controller.config';
export {
  AGENT_LEASE_CHECKER,
  AgentGateway,
  AgentGatewayEvents,
  AgentGatewayModule,
  AgentRpcClient,
  AgentRpcException,
  RUNNER_AUTHENTICATOR,
} from './agent-gateway';
export type { AgentGatewayOptions, AgentLeaseChecker, RunnerAuthenticator } from './agent-gateway';
export {
  CommandReplyError,
  DiscordModule,
  DiscordReadiness,
  discordEnvShape,
  InteractionResponder,
  type CommandReply,
  type InteractionHandle,
  type RunOptions,
} from './discord';
export { buildCliProgram } from './cli/cli.program';
export type { CliDependencies } from './cli/cli.program';
export { CliOutput } from './cli/output';
export { GuildPoolRouting, guildRoutingOf, RoutingModule } from './routing';
export type { GuildRouting } from './routing';
export {
  IdentityFailoverWatch,
  IdleReleaseSweeper,
  NodeOutageWatch,
  QueueSnapshots,
  SessionFailoverService,
  SessionRestoreService,
} from './session-recovery';
export {
  DeployException,
  DeployExceptionCode,
  DeployModule,
  DeployOutcomeRecorder,
  DeployPlanner,
  DeployUseCase,
  DeployVerificationProcessor,
  DeployVerificationQueue,
  DEPLOY_INVITE_PERMISSIONS,
  DEPLOY_JOB_TARGET,
  DEPLOY_VERIFIED_ACTION,
  DEPLOY_VERIFY_QUEUE,
  deployJobId,
  MAX_AGENTS_PER_GUILD,
} from './deploy';
export type {
  DeployJobStatus,
  DeployPlan,
  DeployPlanInput,
  DeployResult,
  DeployVerifyJobData,
  DeployVerifyOutcome,
} from './deploy';
export {
  ADMIN_API_CONTROLLERS,
  ADMIN_API_SCOPE,
  AdminApiModule,
  adminApiOptionsFromEnv,
  formatOpenApiDocument,
  generateAdminApiDocument,
  generateAdminApiPluginMetadata,
  setupAdminApiDocs,
} from './admin-api';
export type { AdminApiOptions } from './admin-api';
export { FunErrorCode, FunException, FunhubClient, FunModule, funErrorSentence } from './fun';
export type { FunhubClientOptions, FunRendered, FunRenderRequest } from './fun';
