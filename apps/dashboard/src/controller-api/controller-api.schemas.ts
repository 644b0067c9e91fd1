import { z } from 'zod';

/**
 * Shapes of the controller admin API responses the dashboard reads (`openapi.json`, `/api/v1`).
 * Validated on arrival: the dashboard trusts nothing it renders. Unknown fields are dropped.
 */
const kind = z.enum(['music', 'assistant']);

/** `LiveAgentDto`: a live agent announced by a runner. */
export const liveAgentSchema = z.object({
  agentId: z.string(),
  tag: z.string().nullable(),
  runnerId: z.string(),
  clientId: z.string(),
  botUserId: z.string(),
  ready: z.boolean(),
  poolId: z.string().nullable(),
  poolName: z.string().nullable(),
  kinds: z.array(kind).nullable(),
  guildIds: z.array(z.string()),
  sessions: z.number(),
  healthScore: z.number().nullable(),
  connectedAt: z.string(),
});
export type LiveAgent = z.output<typeof liveAgentSchema>;

/** `SessionDto`: a live music or assistant session. */
export const sessionSchema = z.object({
  kind,
  sessionId: z.string(),
  agentId: z.string(),
  guildId: z.string(),
  voiceChannelId: z.string(),
  ownerUserId: z.string().nullable(),
  poolId: z.string().nullable(),
  createdAt: z.string(),
  lastActivityAt: z.string(),
  humans: z.number().nullable(),
});
export type LiveSession = z.output<typeof sessionSchema>;

/** `PoolResponseDto`. */
export const poolSchema = z.object({
  id: z.string(),
  ownerId: z.string(),
  name: z.string(),
  visibility: z.enum(['public', 'private']),
  maxAgents: z.number(),
  specialty: z.string().nullable(),
  createdAt: z.string(),
});
export type Pool = z.output<typeof poolSchema>;

/** `AgentResponseDto`: a registered agent identity (token never included, only masked). */
export const agentSchema = z.object({
  agentId: z.string(),
  clientId: z.string(),
  tag: z.string(),
  poolId: z.string(),
  status: z.string(),
  failureCount: z.number(),
  lastLoginError: z.string().nullable(),
  connected: z.boolean(),
  ready: z.boolean(),
});
export type RegisteredAgent = z.output<typeof agentSchema>;

/** `GuildSettingsResponseDto`. */
export const guildSettingsSchema = z.object({
  guildId: z.string(),
  selectedPoolId: z.string().nullable(),
  idleReleaseSeconds: z.number().nullable(),
  notifyChannelId: z.string().nullable(),
});
export type GuildSettings = z.output<typeof guildSettingsSchema>;

/** `DeploymentResponseDto`. */
export const deploymentSchema = z.object({
  plan: z.object({
    guildId: z.string(),
    poolId: z.string(),
    desiredTotal: z.number(),
    present: z.number(),
    need: z.number(),
    shortfall: z.number(),
    invites: z.array(z.object({ agentId: z.string(), clientId: z.string(), url: z.string() })),
    diagnostics: z.object({
      usable: z.number(),
      unusable: z.array(z.object({ agentId: z.string(), reason: z.string(), action: z.string() })),
    }),
  }),
  verification: z.object({ jobId: z.string(), created: z.boolean() }).nullable(),
});
export type Deployment = z.output<typeof deploymentSchema>;

/** `AuditEventDto`. */
export const auditEventSchema = z.object({
  id: z.string(),
  actor: z.string(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
export type AuditEvent = z.output<typeof auditEventSchema>;

/** `SessionReleasedDto`. */
export const sessionReleasedSchema = z.object({ session: sessionSchema, agentLeft: z.boolean() });

/** A cursor page `{ items, nextCursor }` of `item`. */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/** RFC 9457 problem details as the admin API sends them (only what the dashboard shows). */
export const problemSchema = z.object({
  status: z.number(),
  code: z.string(),
  detail: z.string(),
});
