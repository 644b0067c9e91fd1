/** API key scopes. `admin` implies `write`, `write` implies `read`. */
export enum ApiKeyScope {
  Read = 'read',
  Write = 'write',
  Admin = 'admin',
}

const SCOPE_RANK: Readonly<Record<ApiKeyScope, number>> = {
  [ApiKeyScope.Read]: 1,
  [ApiKeyScope.Write]: 2,
  [ApiKeyScope.Admin]: 3,
};

/** True when a key holding `granted` scopes may perform an action needing `required`. */
export function scopesAllow(granted: readonly ApiKeyScope[], required: ApiKeyScope): boolean {
  return granted.some((scope) => SCOPE_RANK[scope] >= SCOPE_RANK[required]);
}

/** Presented API keys look like `cs_<prefix>_<secret>`. */
export const API_KEY_TOKEN_PREFIX = 'cs';
