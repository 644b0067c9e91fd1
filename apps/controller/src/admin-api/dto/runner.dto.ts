import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** Body of `POST /api/v1/runners`. */
export class RunnerCreateDto {
  /** Agents this runner may hold, 1–1000 (default 50). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  capacity?: number;
}

/** An agent runner (never its credential). */
export class RunnerResponseDto {
  runnerId!: string;
  capacity!: number;
  lastSeenAt!: Date | null;
  revokedAt!: Date | null;
  /** Live leases held now. */
  leases!: number;
  createdAt!: Date;
}

/** One page of runners. */
export class RunnerPageDto {
  items!: RunnerResponseDto[];
  nextCursor!: string | null;
}

/** A new runner credential: the secret is shown only in this response. */
export class RunnerCreatedDto {
  /** `RUNNER_ID` of the runner process. */
  runnerId!: string;
  /** `RUNNER_SECRET`: store it now, it is not shown again. */
  secret!: string;
  runner!: RunnerResponseDto;
}
