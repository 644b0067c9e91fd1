import type { ApiKeyScope } from '@app/access';

/** Path prefix of every admin API route (SPEC §7). */
export const ADMIN_API_PREFIX = 'api/v1';

/** Reflect-metadata key holding the {@link ApiKeyScope} a route requires (set by `@AdminRoute`). */
export const ADMIN_API_SCOPE = 'chopsticks:admin-api:scope';

/** Reflect-metadata key holding a route's {@link AdminRouteBinding} (set by `@AdminBinding`). */
export const ADMIN_API_BINDING = 'chopsticks:admin-api:binding';

/** RFC 9457 `type` base and media type, shared with the router-level errors of every app. */
export { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE } from '@app/lifecycle';

/** Security scheme name of the bearer API key in the OpenAPI document. */
export const API_KEY_SECURITY_SCHEME = 'api-key';

/** Page size of list endpoints when `limit` is absent, and its maximum. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** Where Swagger UI and the raw document are served. */
export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = '/docs/json';

/** Options of {@link AdminApiModule}; see `adminApiOptionsFromEnv`. */
export interface AdminApiOptions {
  /** Requests per key per window (rate-limiter-flexible points). */
  rateLimitPoints: number;
  /** Window of the rate limit in seconds. */
  rateLimitWindowSeconds: number;
  /** Failed authentications per client address per window before it is throttled. */
  authFailurePoints: number;
  /** Largest accepted request body of an admin API call in bytes (413 above). */
  bodyLimitBytes: number;
  /** Discord REST base used to verify registered bot tokens. */
  discordApiUrl: string;
}

/** DI token of the resolved {@link AdminApiOptions}. */
export const ADMIN_API_OPTIONS = Symbol('ADMIN_API_OPTIONS');

/** Scope a route needs, as stored under {@link ADMIN_API_SCOPE}. */
export type AdminRouteScope = ApiKeyScope;
