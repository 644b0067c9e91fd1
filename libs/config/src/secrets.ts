/**
 * Masks a secret for display: never more than the last four characters, and nothing at all
 * for values shorter than 16 characters (e.g. `'****Xk2Q'` for a Discord bot token).
 * @param value the secret (token, key, credential); `undefined` gives `'(unset)'`.
 * @returns a string that is safe to log, return from an API or print in the CLI.
 */
export function maskSecret(value: string | undefined | null): string {
  if (value === undefined || value === null || value === '') return '(unset)';
  if (value.length < 16) return '****';
  return `****${value.slice(-4)}`;
}

/**
 * Names of environment variables that hold secrets. Anything printing configuration must pass
 * these through {@link maskSecret}.
 */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set([
  'DATABASE_URL',
  'REDIS_URL',
  'DISCORD_TOKEN',
  'DISCORD_CLIENT_SECRET',
  'RUNNER_SECRET',
  'TOKEN_ENCRYPTION_KEYS',
  'METRICS_TOKEN',
  'DASHBOARD_SESSION_SECRET',
  'DASHBOARD_API_KEY',
  'FUNHUB_API_KEY',
  'FUNHUB_API_KEYS',
  'LAVALINK_NODES',
  'ADMIN_API_KEY',
]);

/**
 * Returns a copy of a configuration record safe to log: secret variables masked, and
 * credentials inside URLs (`postgres://user:pass@host`) replaced.
 */
export function redactConfig(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (SECRET_VARIABLES.has(key)) {
      if (typeof value !== 'string') out[key] = value === undefined ? '(unset)' : '****';
      else out[key] = /^[a-z]+:\/\//.test(value) ? redactUrl(value) : maskSecret(value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** Replaces the password of a URL with `****`; other parts are kept. Invalid URLs are fully masked. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '****';
    return url.toString();
  } catch {
    return '****';
  }
}
