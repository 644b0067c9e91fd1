import { AgentStatus } from '@app/pools';
import { IsBoolean, IsEnum, IsOptional, IsString, Length, Matches } from 'class-validator';
import { PageQueryDto, SNOWFLAKE } from './common.dto';
import { LiveAgentDto } from './live.dto';

/** Body of `POST /api/v1/agents`: register a bot token in a pool (write-only: never echoed). */
export class AgentRegisterDto {
  /** Pool the agent joins. */
  @IsString()
  @Length(1, 64)
  poolId!: string;

  /**
   * Discord application (client) id of the bot; the agent id becomes `agent<clientId>`.
   * @example 223456789012345678
   */
  @Matches(SNOWFLAKE, { message: 'clientId must be a Discord application id (17–20 digits)' })
  clientId!: string;

  /** Display tag, 1–64 printable characters. */
  @IsString()
  @Length(1, 64)
  tag!: string;

  /** The bot token. Stored encrypted, shown masked afterwards, never logged. */
  @IsString()
  @Length(20, 200)
  token!: string;

  /** Discord user id credited as contributor (default: the pool owner). */
  @IsOptional()
  @Matches(SNOWFLAKE, { message: 'contributedBy must be a Discord id (17–20 digits)' })
  contributedBy?: string;

  /** Skip checking the token against Discord (`GET /users/@me`); default false. */
  @IsOptional()
  @IsBoolean()
  skipVerify?: boolean;
}

/** Body of `PATCH /api/v1/agents/{agentId}`. `revoked` is final and erases the token. */
export class AgentStatusUpdateDto {
  @IsEnum(AgentStatus)
  status!: AgentStatus;
}

/** Body of `POST /api/v1/agents/{agentId}/move`. */
export class AgentMoveDto {
  /** Pool the agent moves to (its token keeps working: it is bound to the agent id). */
  @IsString()
  @Length(1, 64)
  poolId!: string;
}

/** Query of `GET /api/v1/agents`. */
export class AgentListQueryDto extends PageQueryDto {
  @IsOptional()
  @IsString()
  @Length(1, 64)
  poolId?: string;

  @IsOptional()
  @IsEnum(AgentStatus)
  status?: AgentStatus;
}

/** An agent registration (token masked) with its live state on this controller. */
export class AgentResponseDto {
  /** `agent<clientId>`. */
  agentId!: string;
  clientId!: string;
  tag!: string;
  poolId!: string;
  status!: AgentStatus;
  /** Discord user id of the contributor. */
  contributedBy!: string;
  /** Masked token, `(erased)` after revocation, `(undecryptable)` when no key opens it. */
  tokenMasked!: string;
  tokenUsable!: boolean;
  tokenKeyId!: string | null;
  failureCount!: number;
  backoffUntil!: Date | null;
  lastLoginError!: string | null;
  createdAt!: Date;
  updatedAt!: Date;
  /** Connected to a runner right now. */
  connected!: boolean;
  /** Connected and its Discord client is ready. */
  ready!: boolean;
}

/** One page of agents. */
export class AgentPageDto {
  items!: AgentResponseDto[];
  nextCursor!: string | null;
}

/** Result of registering a token. */
export class AgentRegisteredDto {
  agent!: AgentResponseDto;
  /** Pending contribution awaiting approval (null when the agent is active at once). */
  contributionId!: string | null;
}

/** What is wrong (or right) with an agent, and where it runs. */
export class AgentDiagnosisDto {
  agent!: AgentResponseDto;
  /** Live state, null when no runner announces the agent. */
  live!: LiveAgentDto | null;
  /** Runner holding the agent's lease, null when none. */
  leaseHolder!: string | null;
  /** Findings as sentences, each with what fixes it; empty when healthy. */
  findings!: string[];
}
