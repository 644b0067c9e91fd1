/** Data of one deploy-verification job (no secrets: ids only). */
export interface DeployVerifyJobData {
  guildId: string;
  poolId: string;
  /** Invited agents, sorted by id. */
  agentIds: string[];
  actorUserId: string;
  desiredTotal: number;
}

/** What a finished verification recorded. */
export interface DeployVerifyOutcome {
  success: boolean;
  /** Invited agents seen in the guild. */
  joined: string[];
  /** Invited agents that did not join within the window. */
  missing: string[];
  /** False when an earlier attempt of the same job had already recorded this outcome. */
  recorded: boolean;
}

/** Status of a verification job, as read by {@link DeployVerificationQueue.status}. */
export interface DeployJobStatus {
  jobId: string;
  /** BullMQ state: waiting, delayed, active, completed, failed, … ('unknown' when not found). */
  state: string;
  attemptsMade: number;
  /** Progress of the running check: invited agents seen so far. */
  joined: number;
  total: number;
  outcome: DeployVerifyOutcome | null;
  failedReason: string | null;
}
