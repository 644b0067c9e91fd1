import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Header, Logger, Post, Query, Redirect, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from '../dashboard.constants';
import { DashboardException, DashboardExceptionCode } from '../dashboard.exception';
import { html } from '../web/html';
import { layout } from '../web/layout';
import { DiscordOAuthClient } from './discord-oauth.client';

/**
 * Discord OAuth2 login (authorization code + `state` bound to the session), and logout.
 * `GET /login` → `GET /auth/discord` (stores a fresh 256-bit state, redirects to Discord) →
 * `GET /auth/callback?code&state` (state compared in constant time and used once; session id
 * regenerated before the login is stored) → `/`. `POST /logout` (CSRF-checked) destroys the
 * session in its store.
 */
@Controller()
export class AuthController {
  private readonly logger = new Logger(AuthController.name);

  constructor(private readonly oauth: DiscordOAuthClient) {}

  /** The login page (or `/` when already logged in). */
  @Get('login')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  login(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): string | void {
    if (request.session.login) {
      void reply.redirect('/', 302);
      return;
    }
    return layout({
      title: 'Log in',
      body: html`<p>
          See your servers' music and assistant agents, live sessions and settings. You need the
          <strong>Manage Server</strong> permission in a server to see it here.
        </p>
        ${this.oauth.configured
          ? html`<p><a class="button" href="/auth/discord">Log in with Discord</a></p>`
          : html`<p class="error" role="alert">
              Discord login is not configured (DISCORD_CLIENT_ID / DISCORD_CLIENT_SECRET).
            </p>`}`,
    }).toString();
  }

  /** Starts the OAuth2 flow: a fresh `state` in the session, then Discord's authorize page. */
  @Get('auth/discord')
  @Redirect()
  start(@Req() request: FastifyRequest): { url: string; statusCode: number } {
    if (!this.oauth.configured)
      throw new DashboardException(
        DashboardExceptionCode.LoginNotConfigured,
        'Discord login is not configured on this dashboard.',
      );
    const state = randomBytes(32).toString('base64url');
    request.session.oauthState = state;
    return { url: this.oauth.authorizeUrl(state), statusCode: 302 };
  }

  /**
   * Discord's redirect back. Refuses a missing or different `state` (400, nothing stored), a
   * denied consent, and a code Discord does not accept.
   */
  @Get('auth/callback')
  @Redirect()
  async callback(
    @Req() request: FastifyRequest,
    @Query('code') code: string | undefined,
    @Query('state') state: string | undefined,
    @Query('error') error: string | undefined,
  ): Promise<{ url: string; statusCode: number }> {
    const expected = request.session.oauthState;
    request.session.oauthState = undefined;
    if (!expected || typeof state !== 'string' || !sameState(expected, state)) {
      this.logger.warn('OAuth2 callback with a missing or mismatched state refused');
      throw new DashboardException(
        DashboardExceptionCode.LoginFailed,
        'This login did not start here or has expired (state mismatch). Please log in again.',
      );
    }
    if (error || typeof code !== 'string' || code.length === 0 || code.length > 200)
      throw new DashboardException(DashboardExceptionCode.LoginFailed, 'Discord login was cancelled.');
    const identity = await this.oauth.identify(code).catch((failure: unknown) => {
      if (failure instanceof DashboardException) throw failure;
      this.logger.warn(`Discord answered an unexpected identity: ${(failure as Error).message}`);
      throw new DashboardException(DashboardExceptionCode.LoginFailed, 'Discord answered unexpectedly.');
    });
    await request.session.regenerate();
    request.session.login = {
      user: identity.user,
      guilds: identity.guilds.map((guild) => ({
        id: guild.id,
        name: guild.name,
        permissions: guild.permissions,
      })),
      loggedInAt: Date.now(),
    };
    this.logger.log(`user ${identity.user.id} logged in`);
    return { url: '/', statusCode: 302 };
  }

  /** Ends the session (store entry and cookie). */
  @Post('logout')
  @Redirect()
  async logout(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ url: string; statusCode: number }> {
    const userId = request.session.login?.user.id;
    await request.session.destroy();
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    if (userId) this.logger.log(`user ${userId} logged out`);
    return { url: '/login', statusCode: 303 };
  }
}

function sameState(expected: string, actual: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(actual);
  return a.length === b.length && timingSafeEqual(a, b);
}
