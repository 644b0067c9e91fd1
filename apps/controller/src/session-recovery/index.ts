/** Public surface of the controller's session recovery feature (failover, idle release, restore). */
export { SessionRecoveryModule, type SessionRecoveryModuleOptions } from './session-recovery.module';
export {
  SessionFailoverService,
  type FailoverOutcome,
  type FailoverResult,
} from './session-failover.service';
export { IdentityFailoverWatch } from './identity-failover.watch';
export { NodeOutageWatch } from './node-outage.watch';
export { IdleReleaseSweeper, type IdleVerdict } from './idle-release.sweeper';
export { SessionRestoreService, resolveSessionConflict, type SessionClaim } from './session-restore.service';
export { VoiceModerationService, type VoiceModerationOutcome } from './voice-moderation.service';
export { QueueSnapshots, estimateQueue, type ReceivedReport } from './queue-snapshots';
export {
  DEFAULT_AGENT_NOT_READY_FAILOVER_MS,
  DEFAULT_IDLE_RELEASE_SECONDS,
  DEFAULT_IDLE_SWEEP_INTERVAL_SECONDS,
  DEFAULT_LAVALINK_OUTAGE_SECONDS,
  DEFAULT_SESSION_RECONCILE_GRACE_SECONDS,
  type SessionRecoveryOptions,
} from './session-recovery.constants';
