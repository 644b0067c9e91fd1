import { TokenVerificationError, TokenVerificationFailure, verifyBotToken as verify } from '../bot-tokens';

export { TokenVerificationError } from '../bot-tokens';

/**
 * The CLI's token check (`agents add-token`): the shared verifier (`GET /users/@me` and
 * `GET /applications/@me`, see `bot-tokens`) with the CLI's wording — when Discord cannot be
 * reached, the message suggests `--skip-verify`.
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
  try {
    const verified = await verify(apiUrl, token, { clientId, timeoutMs });
    return { id: verified.applicationId, username: verified.username };
  } catch (error) {
    if (error instanceof TokenVerificationError && error.reason === TokenVerificationFailure.Unreachable) {
      throw new TokenVerificationError(
        error.reason,
        `${error.message}; use --skip-verify to store the token unverified.`,
      );
    }
    throw error;
  }
}
