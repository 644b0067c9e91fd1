import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { LEDGER_KINDS, LedgerEvent, type LedgerKind } from '../ledger.constants';

const quoted = (values: readonly string[]) => values.map((value) => `'${value}'`).join(', ');

/**
 * One row of the lease ledger (`session_ledger`): an allocation, release or failover of a
 * session key (guild, voice channel, kind). Append-only; written in batches by `LedgerWriter`.
 * `(guild_id, occurred_at, id)` is indexed for the per-guild newest-first pages of
 * `LedgerQuery` (a B-tree serves the descending order by scanning backwards).
 */
@Entity({ name: 'session_ledger' })
@Check('CHK_session_ledger_event', `"event" IN (${quoted(Object.values(LedgerEvent))})`)
@Check('CHK_session_ledger_kind', `"kind" IN (${quoted(LEDGER_KINDS)})`)
@Index('IDX_session_ledger_guild_occurred', ['guildId', 'occurredAt', 'id'])
export class SessionLedgerEntry {
  /** bigserial: insertion order breaks ties between rows of the same instant. */
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column({ name: 'guild_id', type: 'varchar', length: 32 })
  guildId!: string;

  /** The voice channel of the session key. */
  @Column({ name: 'channel_id', type: 'varchar', length: 32 })
  channelId!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: LedgerKind;

  @Column({ type: 'varchar', length: 16 })
  event!: LedgerEvent;

  /** The session's agent; for a failover the agent that took over (null when none could). */
  @Column({ name: 'agent_id', type: 'varchar', length: 40, nullable: true })
  agentId!: string | null;

  /** Failover only: the agent that was lost. */
  @Column({ name: 'previous_agent_id', type: 'varchar', length: 40, nullable: true })
  previousAgentId!: string | null;

  /** The registry's session id (pairs an allocation with its release). */
  @Column({ name: 'session_id', type: 'uuid', nullable: true })
  sessionId!: string | null;

  /** Release reason, failover outcome, or how an allocation came about. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  reason!: string | null;

  /** Discord user id of who asked, `system`, or null when unknown. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  actor!: string | null;

  /** Allocation: the allocator's decision time; failover: agent loss to music resumed (s). */
  @Column({ name: 'latency_seconds', type: 'double precision', nullable: true })
  latencySeconds!: number | null;

  /** When it happened (not when the row was written). */
  @Index('IDX_session_ledger_occurred_at')
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;
}
