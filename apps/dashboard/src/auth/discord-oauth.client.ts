import { Inject, Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import type { DashboardConfig } from '../config/dashboard.config';
import { DASHBOARD_CONFIG } from '../dashboard.constants';
import { DashboardException, DashboardExceptionCode } from '../dashboard.exception';

/** Scopes the dashboard asks for: who the user is and their guilds with permissions. */
export const OAUTH_SCOPES = ['identify', 'guilds'] as const;

const tokenSchema = z.object({ access_token: z.string().min(1), token_type: z.string() });
const userSchema = z.object({
  id: z.string().regex(/^\d{17,20}$/),
  username: z.string(),
  global_name: z.string().nullable().optional(),
});
const guildsSchema = z.array(
  z.object({ id: z.string(), name: z.string(), owner: z.boolean(), permissions: z.string() }),
);

/** The Discord user behind a login and their guilds (permissions as Discord's decimal string). */
export interface DiscordIdentity {
  user: { id: string; username: string; globalName: string | null };
  guilds: { id: string; name: string; owner: boolean; permissions: string }[];
}

/**
 * Discord OAuth2 authorization-code flow (Discord docs, Topics › OAuth2): the authorize URL,
 * `POST /oauth2/token` with client credentials (HTTP Basic, form body), then
 * `GET /users/@me` and `GET /users/@me/guilds` (partial guilds with `owner` and `permissions`),
 * then `POST /oauth2/token/revoke` — the dashboard keeps no Discord token.
 */
@Injectable()
export class DiscordOAuthClient {
  private readonly logger = new Logger(DiscordOAuthClient.name);

  constructor(@Inject(DASHBOARD_CONFIG) private readonly config: DashboardConfig) {}

  /** True when DISCORD_CLIENT_ID and DISCORD_CLIENT_SECRET are both set. */
  get configured(): boolean {
    return Boolean(this.config.DISCORD_CLIENT_ID && this.config.DISCORD_CLIENT_SECRET);
  }

  /** `<DASHBOARD_PUBLIC_URL>/auth/callback`, registered as a redirect URI of the Discord app. */
  get redirectUri(): string {
    return `${this.config.DASHBOARD_PUBLIC_URL.replace(/\/+$/, '')}/auth/callback`;
  }

  /** Discord's authorize URL for `state` (scopes `identify guilds`, `response_type=code`). */
  authorizeUrl(state: string): string {
    const url = new URL(this.config.DISCORD_OAUTH_URL);
    url.searchParams.set('client_id', this.config.DISCORD_CLIENT_ID ?? '');
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('scope', OAUTH_SCOPES.join(' '));
    url.searchParams.set('redirect_uri', this.redirectUri);
    url.searchParams.set('state', state);
    return url.toString();
  }

  /**
   * Exchanges an authorization code for the user and their guilds, then revokes the token.
   * @throws DashboardException LOGIN_FAILED when Discord refuses the code or answers unexpectedly
   */
  async identify(code: string): Promise<DiscordIdentity> {
    const basic = Buffer.from(
      `${encodeURIComponent(this.config.DISCORD_CLIENT_ID ?? '')}:${encodeURIComponent(this.config.DISCORD_CLIENT_SECRET ?? '')}`,
    ).toString('base64');
    const token = tokenSchema.parse(
      await this.call('/oauth2/token', {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: this.redirectUri }),
      }),
    );
    const bearer = { authorization: `Bearer ${token.access_token}` };
    try {
      const user = userSchema.parse(await this.call('/users/@me', { headers: bearer }));
      const guilds = guildsSchema.parse(await this.call('/users/@me/guilds', { headers: bearer }));
      return {
        user: { id: user.id, username: user.username, globalName: user.global_name ?? null },
        guilds,
      };
    } finally {
      await this.call('/oauth2/token/revoke', {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: token.access_token, token_type_hint: 'access_token' }),
      }).catch((error: unknown) =>
        this.logger.warn(`could not revoke the OAuth2 token: ${(error as Error).message}`),
      );
    }
  }

  private async call(path: string, init: RequestInit): Promise<unknown> {
    const url = `${this.config.DISCORD_API_URL.replace(/\/+$/, '')}/v10${path}`;
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
    } catch (error) {
      this.logger.warn(`Discord ${path} failed: ${(error as Error).message}`);
      throw new DashboardException(
        DashboardExceptionCode.LoginFailed,
        'Discord cannot be reached right now.',
      );
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      this.logger.warn(`Discord ${path} answered ${response.status}`);
      throw new DashboardException(
        DashboardExceptionCode.LoginFailed,
        'Discord did not accept the login. Please try again.',
      );
    }
    return body;
  }
}
