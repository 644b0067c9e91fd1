/** A live session as `GET /api/v1/sessions` returns it (see openapi.json, `SessionDto`). */
export interface AdminApiSession {
  sessionId: string;
  agentId: string;
  kind: string;
  guildId: string;
  voiceChannelId: string;
  textChannelId: string | null;
  ownerUserId: string | null;
  poolId: string | null;
  createdAt: string;
  lastActivityAt: string;
  humans: number | null;
}

/** The admin API refused a CLI call or could not be reached; the message never contains the key. */
export class CliApiError extends Error {
  override name = 'CliApiError';
}

/** Most pages `listSessions` follows (200 sessions each) before it stops. */
const MAX_PAGES = 100;

/**
 * Lists every live session through the controller's admin API (`GET /api/v1/sessions`, `read`
 * scope), following `nextCursor` page by page.
 * @param baseUrl controller HTTP base, e.g. `http://127.0.0.1:8080`
 * @param apiKey admin API key, sent as `Authorization: Bearer <key>`
 * @throws CliApiError with the problem's `detail` for a non-2xx answer, or when unreachable
 */
export async function listSessions(
  baseUrl: string,
  apiKey: string,
  filter: { guildId?: string; kind?: string } = {},
): Promise<AdminApiSession[]> {
  const sessions: AdminApiSession[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const url = new URL('/api/v1/sessions', baseUrl);
    url.searchParams.set('limit', '200');
    if (filter.guildId) url.searchParams.set('guildId', filter.guildId);
    if (filter.kind) url.searchParams.set('kind', filter.kind);
    if (cursor) url.searchParams.set('cursor', cursor);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json' },
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new CliApiError(
        `Cannot reach the admin API at ${url.origin}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const body = (await response.json().catch(() => null)) as {
      items?: AdminApiSession[];
      nextCursor?: string | null;
      detail?: string;
    } | null;
    if (!response.ok) {
      throw new CliApiError(
        `The admin API answered ${response.status}: ${body?.detail ?? response.statusText}`,
      );
    }
    sessions.push(...(body?.items ?? []));
    cursor = body?.nextCursor ?? null;
    if (!cursor) return sessions;
  }
  return sessions;
}
