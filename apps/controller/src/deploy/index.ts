export {
  DEFAULT_DISCORD_OAUTH_URL,
  DEPLOY_INVITE_PERMISSIONS,
  DEPLOY_INVITE_SCOPES,
  DEPLOY_VERIFY_JOB,
  DEPLOY_VERIFY_QUEUE,
  MAX_AGENTS_PER_GUILD,
} from './deploy.constants';
export type { DeployModuleOptions } from './deploy.constants';
export { DeployException, DeployExceptionCode } from './deploy.exception';
export { DeployPlanner } from './deploy-planner.service';
export type {
  DeployInvite,
  DeployPlan,
  DeployPlanInput,
  DeployUnusableAgent,
  DeployUnusableReason,
} from './deploy-planner.service';
export { DeployVerificationQueue, deployJobId } from './deploy-verification.queue';
export type { DeployEnqueueResult } from './deploy-verification.queue';
export { DeployVerificationProcessor } from './deploy-verification.processor';
export { DEPLOY_JOB_TARGET, DEPLOY_VERIFIED_ACTION, DeployOutcomeRecorder } from './deploy-outcome.recorder';
export type { DeployJobStatus, DeployVerifyJobData, DeployVerifyOutcome } from './deploy-verification.types';
export { DeployUseCase } from './deploy.use-case';
export type { DeployResult } from './deploy.use-case';
export { DEPLOY_BULL_CONFIG_KEY, DeployModule, redisConnectionFromUrl } from './deploy.module';
export type { DeployModuleRootOptions } from './deploy.module';
