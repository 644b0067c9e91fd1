import { IsInt, IsString, Length, Matches, Max, Min } from 'class-validator';
import { SNOWFLAKE } from './common.dto';

/** Body of `POST /api/v1/deployments`: plan agents of a pool into a guild (SPEC §5). */
export class DeploymentCreateDto {
  @Matches(SNOWFLAKE, { message: 'guildId must be a Discord id (17–20 digits)' })
  guildId!: string;

  @IsString()
  @Length(1, 64)
  poolId!: string;

  /** Agents the guild should hold in total, counting every pool, 0–49 (more is refused). */
  @IsInt()
  @Min(0)
  @Max(1000)
  desiredTotal!: number;
}

/** One invite URL of a deploy plan. */
export class DeployInviteDto {
  agentId!: string;
  clientId!: string;
  /** OAuth2 bot-authorization URL (scope `bot applications.commands`). */
  url!: string;
}

/** A registration that cannot be deployed, and what fixes it. */
export class DeployUnusableAgentDto {
  agentId!: string;
  reason!: string;
  action!: string;
}

/** Usable and unusable registrations of the pool. */
export class DeployDiagnosticsDto {
  usable!: number;
  unusable!: DeployUnusableAgentDto[];
}

/** A deploy plan. */
export class DeployPlanDto {
  guildId!: string;
  poolId!: string;
  desiredTotal!: number;
  /** Live agents already in the guild, whatever their pool. */
  present!: number;
  need!: number;
  invites!: DeployInviteDto[];
  /** Agents the pool cannot supply. */
  shortfall!: number;
  diagnostics!: DeployDiagnosticsDto;
}

/** The verification job of a deploy. */
export class DeployVerificationDto {
  jobId!: string;
  /** False when the same intent already had a pending job. */
  created!: boolean;
}

/** Result of `POST /api/v1/deployments`. */
export class DeploymentResponseDto {
  plan!: DeployPlanDto;
  /** Null when nothing was invited or verification is disabled (no Redis). */
  verification!: DeployVerificationDto | null;
}

/** What a finished verification recorded. */
export class DeployOutcomeDto {
  success!: boolean;
  joined!: string[];
  missing!: string[];
  recorded!: boolean;
}

/** Status of a deploy verification job. */
export class DeployJobStatusDto {
  jobId!: string;
  /** BullMQ state: waiting, delayed, active, completed, failed. */
  state!: string;
  attemptsMade!: number;
  joined!: number;
  total!: number;
  outcome!: DeployOutcomeDto | null;
  failedReason!: string | null;
}
