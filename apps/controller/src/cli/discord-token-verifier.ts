/** Why a token failed verification; never contains the token. */
export class TokenVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenVerificationError';
  }
}

/**
 * Checks that `token` is a working bot token of application `clientId`: `GET
 * {apiUrl}/v10/users/@me` with `Authorization: Bot <token>` returns the bot user, whose `id`
 * equals the application id for bots (Discord API reference, "Get Current User";
 * "Authorization: Bot" header, "Authentication" section).
 * @param apiUrl base such as `https://discord.com/api` (or the sandbox).
 * @throws TokenVerificationError when Discord rejects the token (401), the ids differ, or the
 *   request fails.
 */
export async function verifyBotToken(
  apiUrl: string,
  token: string,
  clientId: string,
  timeoutMs = 10_000,
): Promise<{ id: string; username: string }> {
  const base = apiUrl.replace(/\/+$/, '');
  let response: Response;
  try {
    response = await fetch(`${base}/v10/users/@me`, {
      headers: {
        Authorization: `Bot ${token}`,
        'User-Agent': 'Chopsticks CLI (https://github.com/chopsticks, 0.1)',
      },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new TokenVerificationError(
      `Could not reach Discord at ${base}: ${describeFetchFailure(error, timeoutMs)}; use --skip-verify to store the token unverified.`,
    );
  }
  if (response.status === 401)
    throw new TokenVerificationError('Discord rejected the token (401 Unauthorized).');
  if (!response.ok)
    throw new TokenVerificationError(`Discord answered ${response.status} while verifying the token.`);
  const user = (await response.json()) as { id?: unknown; username?: unknown; bot?: unknown };
  if (typeof user.id !== 'string')
    throw new TokenVerificationError('Discord returned no user id for the token.');
  if (user.id !== clientId)
    throw new TokenVerificationError(`The token belongs to bot ${user.id}, not to client id ${clientId}.`);
  return { id: user.id, username: typeof user.username === 'string' ? user.username : '' };
}

/**
 * Why `fetch` failed, from what undici reports: a `TimeoutError` for `AbortSignal.timeout`, or a
 * `TypeError('fetch failed')` whose `cause` carries the socket error code (ECONNREFUSED,
 * ENOTFOUND, ECONNRESET, …), possibly inside an `AggregateError` (one per address tried).
 * Never includes request headers, so never the token.
 */
function describeFetchFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? error.cause : undefined;
  const code = errorCode(cause) ?? errorCode(error);
  if (code) return code;
  if (cause instanceof Error && cause.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, errors } = error as { code?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  if (Array.isArray(errors)) return errors.map(errorCode).find((found) => found !== undefined);
  return undefined;
}
