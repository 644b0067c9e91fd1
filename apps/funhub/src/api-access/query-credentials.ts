import { CREDENTIAL_QUERY_NAME, REDACTED_QUERY_VALUE } from './api-access.constants';
import type { ApiKeyRing } from './api-keys';

/** A parsed query string as Fastify gives it: each name maps to one value or several. */
export type ParsedQuery = Record<string, string | string[] | undefined>;

/** True when a query parameter name looks like a credential ({@link CREDENTIAL_QUERY_NAME}). */
export function isCredentialQueryName(name: string): boolean {
  return CREDENTIAL_QUERY_NAME.test(name.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

/**
 * Whether a query string carries a credential: a parameter named like one, or any name or value
 * that is one of the configured API keys (checked with {@link ApiKeyRing.verify}, so whatever the
 * parameter is called a key in the URL is refused).
 * @param query Fastify's parsed `request.query` (anything else counts as no query)
 */
export function queryCarriesCredential(query: unknown, keys: ApiKeyRing): boolean {
  for (const [name, values] of queryEntries(query)) {
    if (isCredentialQueryName(name) || keys.verify(name) !== null) return true;
    if (values.some((value) => value.length > 0 && keys.verify(value) !== null)) return true;
  }
  return false;
}

/**
 * The URL to log for a request: its path with every query value replaced by `[redacted]`
 * (names kept, URL-encoded), e.g. `/api/fun/catalog?q=[redacted]&page=[redacted]`; the path alone
 * when there is no query string.
 * @param url the raw request URL (`/path?query`)
 * @param query Fastify's parsed `request.query`
 */
export function redactedRequestUrl(url: string, query: unknown): string {
  const path = url.split('?')[0];
  const names = queryEntries(query).map(([name]) => `${encodeURIComponent(name)}=${REDACTED_QUERY_VALUE}`);
  return names.length > 0 ? `${path}?${names.join('&')}` : path;
}

function queryEntries(query: unknown): [string, string[]][] {
  if (!query || typeof query !== 'object') return [];
  return Object.entries(query as ParsedQuery).map(([name, value]) => [
    name,
    value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String),
  ]);
}
