/** Header that carries the API key — the only place a key is accepted. */
export const API_KEY_HEADER = 'x-api-key';

/**
 * Query parameter names refused anywhere because they look like a credential. A name is matched
 * case-insensitively after removing everything but letters and digits, so `api_key`, `apiKey`,
 * `X-Api-Key`, `x_api_key`, `access_token`, `client-secret` and `auth` all match.
 */
export const CREDENTIAL_QUERY_NAME =
  /key$|apikey|token|secret|passw(?:or)?d|credential|auth|signature|session/;

/** What every query value is replaced with in the URL the request logger sees. */
export const REDACTED_QUERY_VALUE = '[redacted]';

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
