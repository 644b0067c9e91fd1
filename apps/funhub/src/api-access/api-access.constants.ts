/** Header that carries the API key — the only place a key is accepted. */
export const API_KEY_HEADER = 'x-api-key';

/** Query parameters refused anywhere because they look like a credential (case-insensitive). */
export const KEY_QUERY_PARAMETERS = [
  'api_key',
  'apikey',
  'api-key',
  'key',
  'x-api-key',
  'token',
  'access_token',
];

/** IETF draft ratelimit header names (draft-ietf-httpapi-ratelimit-headers) and Retry-After (RFC 9110). */
export const RATE_LIMIT_HEADERS = {
  limit: 'RateLimit-Limit',
  remaining: 'RateLimit-Remaining',
  reset: 'RateLimit-Reset',
  retryAfter: 'Retry-After',
} as const;

/** Security scheme name of the API key in the OpenAPI document. */
export const API_KEY_SECURITY_SCHEME = 'ApiKey';

/** DI token of the FunHub limiter's options ({@link ApiRateLimitOptions}). */
export const API_RATE_LIMIT_OPTIONS = Symbol('API_RATE_LIMIT_OPTIONS');
