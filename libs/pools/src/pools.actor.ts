import { QueryFailedError } from 'typeorm';

/**
 * Who performs an operation. `id` is a Discord user id, or an operator name such as `cli` or
 * `api-key:<prefix>`. Operators (`operator: true`: CLI, admin API) bypass pool-role checks;
 * every change is still audited under `id`.
 */
export interface Actor {
  id: string;
  operator?: boolean;
  /** Correlation id of the request/interaction, copied into audit events. */
  requestId?: string;
}

/** True for a Postgres unique-constraint violation (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof QueryFailedError &&
    (error.driverError as { code?: string } | undefined)?.code === '23505'
  );
}
