import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { PageQueryDto, SNOWFLAKE } from './common.dto';

/** Session kinds (SPEC §5). */
export const SESSION_KINDS = ['music', 'assistant'] as const;

/** The voice channel an agent sits in, per guild. */
export class AgentVoiceChannelDto {
  guildId!: string;
  voiceChannelId!: string;
}

/** A live agent identity as the controller sees it (from its runner's announcements). */
export class LiveAgentDto {
  agentId!: string;
  /** Display tag of its registration (e.g. `Agent #1`); null when it is not registered here. */
  tag!: string | null;
  runnerId!: string;
  clientId!: string;
  botUserId!: string;
  /** Discord client ready: only ready agents are allocated. */
  ready!: boolean;
  poolId!: string | null;
  /** Name of its pool; null when the pool is unknown. */
  poolName!: string | null;
  /** Guilds the agent is a member of. */
  guildIds!: string[];
  voiceChannels!: AgentVoiceChannelDto[];
  /** Session kinds it can serve; null = every kind. */
  @ApiProperty({ enum: SESSION_KINDS, isArray: true, nullable: true, type: String })
  kinds!: string[] | null;
  /** Sessions it holds now. */
  sessions!: number;
  /** Health score used by allocation (higher is healthier). */
  healthScore!: number | null;
  connectedAt!: Date;
}

/** One page of live agents. */
export class LiveAgentPageDto {
  items!: LiveAgentDto[];
  nextCursor!: string | null;
}

/** Query of `GET /api/v1/live/agents`. */
export class LiveAgentListQueryDto extends PageQueryDto {
  /** Only agents that are members of this guild. */
  @IsOptional()
  @Matches(SNOWFLAKE, { message: 'guildId must be a Discord id (17–20 digits)' })
  guildId?: string;
}

/** A live session: an agent bound to a voice channel. */
export class SessionDto {
  sessionId!: string;
  agentId!: string;
  @ApiProperty({ enum: SESSION_KINDS, type: String })
  kind!: string;
  guildId!: string;
  voiceChannelId!: string;
  textChannelId!: string | null;
  ownerUserId!: string | null;
  poolId!: string | null;
  createdAt!: Date;
  lastActivityAt!: Date;
  /** Humans in the voice channel as last reported; null = unknown. */
  humans!: number | null;
}

/** One page of sessions. */
export class SessionPageDto {
  items!: SessionDto[];
  nextCursor!: string | null;
}

/** Query of `GET /api/v1/sessions`. */
export class SessionListQueryDto extends PageQueryDto {
  @IsOptional()
  @Matches(SNOWFLAKE, { message: 'guildId must be a Discord id (17–20 digits)' })
  guildId?: string;

  @IsOptional()
  @IsIn(SESSION_KINDS)
  @ApiProperty({ enum: SESSION_KINDS, required: false, type: String })
  kind?: string;
}

/** Body of `POST /api/v1/sessions/assign`: pin an agent to a voice channel (SPEC §5, A5). */
export class SessionAssignDto {
  @Matches(SNOWFLAKE, { message: 'guildId must be a Discord id (17–20 digits)' })
  guildId!: string;

  @Matches(SNOWFLAKE, { message: 'voiceChannelId must be a Discord id (17–20 digits)' })
  voiceChannelId!: string;

  @IsString()
  @Length(1, 64)
  agentId!: string;

  /** How long the pin holds, 1–3600 s (default 300). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3600)
  ttlSeconds?: number;
}

/** A pin of an agent to a voice channel. */
export class AgentPinDto {
  guildId!: string;
  voiceChannelId!: string;
  agentId!: string;
  expiresAt!: Date;
}

/** Result of releasing a session. */
export class SessionReleasedDto {
  session!: SessionDto;
  /** True when the agent confirmed it left the voice channel; false when it could not be reached. */
  agentLeft!: boolean;
}
