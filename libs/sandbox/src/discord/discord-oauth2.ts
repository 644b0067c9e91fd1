import type { DiscordCore, OAuthGrant } from './discord-core';
import { OAUTH2_ACCESS_TOKEN_TTL_S, Permission } from './discord-sandbox.constants';
import { randomSecret } from './discord-tokens';

/** An HTTP answer of the OAuth2 endpoints: a JSON body, an HTML page, or a redirect. */
export type OAuthResponse =
  | { status: number; json: Record<string, unknown>; headers?: Record<string, string> }
  | { status: number; html: string }
  | { status: 302; location: string };

/** Authorization codes expire after 10 minutes (RFC 6749 § 4.1.2 recommends at most 10). */
const CODE_TTL_MS = 10 * 60 * 1000;

/** Scopes Discord knows that the sandbox accepts — Topics › OAuth2 › OAuth2 Scopes. */
const KNOWN_SCOPES = new Set([
  'identify',
  'email',
  'guilds',
  'guilds.members.read',
  'bot',
  'applications.commands',
  'connections',
  'openid',
]);

const page = (status: number, title: string, text: string): OAuthResponse => ({
  status,
  html: `<!doctype html><html><head><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`,
});

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * OAuth2 — Topics › OAuth2: the authorization page (`/oauth2/authorize`, consent simulated for the
 * signed-in sandbox user or `sandbox_user`), the bot invite (`scope=bot` with `guild_id` and
 * `permissions` adds the bot and a managed role), and the token endpoint (`authorization_code`,
 * `refresh_token`, client auth via Basic or body).
 */
export class DiscordOAuth2 {
  constructor(private readonly core: DiscordCore) {}

  /** `GET /oauth2/authorize?client_id&redirect_uri&response_type&scope&state[&guild_id&permissions]`. */
  authorize(query: URLSearchParams): OAuthResponse {
    const { store } = this.core;
    const app = store.applications.get(query.get('client_id') ?? '');
    if (!app) return page(400, 'Unknown Application', 'client_id does not name an application.');
    const scopes = (query.get('scope') ?? '').split(/[ +]/).filter(Boolean);
    const redirectUri = query.get('redirect_uri');
    const responseType = query.get('response_type');
    const state = query.get('state');
    if (redirectUri !== null && !app.redirectUris.includes(redirectUri)) {
      return page(400, 'Invalid OAuth2 redirect_uri', 'redirect_uri is not registered for this application.');
    }
    const fail = (error: string, description: string): OAuthResponse => {
      if (!redirectUri) return page(400, error, description);
      const url = new URL(redirectUri);
      url.searchParams.set('error', error);
      url.searchParams.set('error_description', description);
      if (state) url.searchParams.set('state', state);
      return { status: 302, location: url.toString() };
    };
    if (scopes.length === 0 || scopes.some((s) => !KNOWN_SCOPES.has(s)))
      return fail('invalid_scope', 'The requested scope is invalid, unknown, or malformed.');
    const wantsCode = responseType === 'code';
    if (responseType !== null && !wantsCode)
      return fail(
        'unsupported_response_type',
        'The authorization server does not support this response type.',
      );
    if (wantsCode && !redirectUri)
      return page(400, 'Invalid OAuth2 redirect_uri', 'redirect_uri is required with response_type=code.');
    const userId = query.get('sandbox_user') ?? this.core.oauthUserId;
    const user = userId ? store.users.get(userId) : undefined;
    if (!user || user.bot)
      return page(
        401,
        'Not signed in',
        'No sandbox user is signed in: set one with the control API or pass sandbox_user.',
      );
    let guildId: string | null = null;
    let permissions = 0n;
    if (scopes.includes('bot')) {
      guildId = query.get('guild_id');
      const guild = guildId ? store.guilds.get(guildId) : undefined;
      if (!guild) return fail('invalid_request', 'guild_id is required to add a bot.');
      if ((store.permissionsOf(guild, user.id) & Permission.ManageGuild) === 0n) {
        return fail('access_denied', 'You need the Manage Server permission to add a bot to this guild.');
      }
      try {
        permissions = BigInt(query.get('permissions') ?? '0');
      } catch {
        return fail('invalid_request', 'permissions must be an integer.');
      }
      this.addBot(guild.id, app.id, permissions);
    }
    if (!wantsCode || !redirectUri) {
      return page(
        200,
        'Authorized',
        `${app.name} was authorized${guildId ? ' and added to the server' : ''}.`,
      );
    }
    const code = randomSecret(20);
    this.core.oauthCodes.set(code, {
      code,
      appId: app.id,
      userId: user.id,
      redirectUri,
      scopes,
      expiresAt: Date.now() + CODE_TTL_MS,
      guildId,
    });
    const url = new URL(redirectUri);
    url.searchParams.set('code', code);
    if (state !== null) url.searchParams.set('state', state);
    if (guildId) {
      url.searchParams.set('guild_id', guildId);
      url.searchParams.set('permissions', permissions.toString());
    }
    return { status: 302, location: url.toString() };
  }

  /**
   * Adds an application's bot to a guild as the invite flow does: a managed role named after the
   * app carrying the requested permissions, then GUILD_CREATE to the bot — Topics › OAuth2 › Bot
   * Authorization Flow.
   */
  addBot(guildId: string, appId: string, permissions: bigint): void {
    const { store } = this.core;
    const guild = store.requireGuild(guildId);
    const app = store.applications.get(appId);
    if (!app || guild.members.has(app.botUserId)) return;
    const roles: string[] = [];
    if (permissions > 0n) {
      const role = {
        id: store.snowflakes.next(),
        name: app.name,
        permissions,
        position: guild.roles.size,
        color: 0,
        hoist: false,
        managed: true,
        mentionable: false,
        botId: app.botUserId,
      };
      guild.roles.set(role.id, role);
      roles.push(role.id);
    }
    this.core.addMember(guild, app.botUserId, roles);
  }

  /**
   * `POST /api/v10/oauth2/token` (form-encoded) — Topics › OAuth2 › Access Token Exchange and
   * Refresh Token Exchange. Errors follow RFC 6749 § 5.2 (`invalid_client` 401, `invalid_grant`,
   * `unsupported_grant_type` 400).
   */
  token(form: Record<string, unknown>, authorization: string | undefined): OAuthResponse {
    const { store } = this.core;
    let clientId = typeof form.client_id === 'string' ? form.client_id : undefined;
    let clientSecret = typeof form.client_secret === 'string' ? form.client_secret : undefined;
    if (authorization?.startsWith('Basic ')) {
      const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      clientId = decodeURIComponent(decoded.slice(0, colon));
      clientSecret = decodeURIComponent(decoded.slice(colon + 1));
    }
    const app = clientId ? store.applications.get(clientId) : undefined;
    if (!app || app.clientSecret !== clientSecret) {
      return { status: 401, json: { error: 'invalid_client' } };
    }
    const invalidGrant = (what: string): OAuthResponse => ({
      status: 400,
      json: { error: 'invalid_grant', error_description: `Invalid "${what}" in request.` },
    });
    let grant: OAuthGrant;
    let guildId: string | null = null;
    switch (form.grant_type) {
      case 'authorization_code': {
        const code = typeof form.code === 'string' ? this.core.oauthCodes.get(form.code) : undefined;
        if (!code || code.appId !== app.id || code.expiresAt < Date.now()) return invalidGrant('code');
        if (code.redirectUri !== (typeof form.redirect_uri === 'string' ? form.redirect_uri : null))
          return invalidGrant('redirect_uri');
        this.core.oauthCodes.delete(code.code);
        guildId = code.guildId;
        grant = this.issue(
          app.id,
          code.userId,
          code.scopes.filter((s) => s !== 'bot'),
        );
        break;
      }
      case 'refresh_token': {
        const old = [...this.core.oauthGrants.values()].find(
          (g) => g.refreshToken === form.refresh_token && g.appId === app.id,
        );
        if (!old) return invalidGrant('refresh_token');
        this.core.oauthGrants.delete(old.accessToken);
        grant = this.issue(app.id, old.userId, old.scopes);
        break;
      }
      default:
        return { status: 400, json: { error: 'unsupported_grant_type' } };
    }
    const json: Record<string, unknown> = {
      token_type: 'Bearer',
      access_token: grant.accessToken,
      expires_in: OAUTH2_ACCESS_TOKEN_TTL_S,
      refresh_token: grant.refreshToken,
      scope: grant.scopes.join(' '),
    };
    if (guildId) json.guild = store.guildJson(store.requireGuild(guildId));
    return { status: 200, json, headers: { 'cache-control': 'no-store', pragma: 'no-cache' } };
  }

  /** `POST /api/v10/oauth2/token/revoke` — revokes an access or refresh token (always 200, RFC 7009). */
  revoke(form: Record<string, unknown>): OAuthResponse {
    for (const grant of [...this.core.oauthGrants.values()]) {
      if (grant.accessToken === form.token || grant.refreshToken === form.token)
        this.core.oauthGrants.delete(grant.accessToken);
    }
    return { status: 200, json: {} };
  }

  /** Looks up a live bearer grant by access token. */
  bearer(accessToken: string): OAuthGrant | undefined {
    const grant = this.core.oauthGrants.get(accessToken);
    return grant && grant.expiresAt > Date.now() ? grant : undefined;
  }

  private issue(appId: string, userId: string, scopes: string[]): OAuthGrant {
    const grant: OAuthGrant = {
      accessToken: randomSecret(24),
      refreshToken: randomSecret(24),
      appId,
      userId,
      scopes,
      expiresAt: Date.now() + OAUTH2_ACCESS_TOKEN_TTL_S * 1000,
    };
    this.core.oauthGrants.set(grant.accessToken, grant);
    return grant;
  }
}
