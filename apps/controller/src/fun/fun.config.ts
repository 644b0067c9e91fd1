import { env } from '@app/config';

/**
 * Environment slice of the controller's `/fun` command, spread into the controller's schema:
 * - `FUNHUB_URL`: base URL of the FunHub (`http://funhub:8790`); unset = `/fun` answers that it
 *   is not set up.
 * - `FUNHUB_API_KEY` (secret): sent as `X-Api-Key`; one of the FunHub's `FUNHUB_API_KEYS`.
 * - `FUNHUB_TIMEOUT_MS` (2000): longest wait for one FunHub call before `/fun` degrades.
 */
export const funEnvShape = {
  FUNHUB_URL: env.optionalUrl(['http:', 'https:']),
  FUNHUB_API_KEY: env.optionalString(),
  FUNHUB_TIMEOUT_MS: env.int(2000, 50, 10_000),
};

/** Options of the FunHub client. */
export interface FunhubClientOptions {
  /** Base URL without a trailing slash; unset = not configured. */
  url?: string;
  /** Secret: the API key sent in `X-Api-Key`. */
  apiKey?: string;
  /** Per-call timeout (ms). */
  timeoutMs: number;
}
