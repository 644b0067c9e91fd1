import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrfProtection from '@fastify/csrf-protection';
import fastifySession from '@fastify/session';
import type { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RedisStore } from 'fastify-session-redis-store';
import type Redis from 'ioredis';
import type { DashboardConfig } from '../config/dashboard.config';
import { SESSION_COOKIE } from '../dashboard.constants';

/** Query parameters of the OAuth2 redirect whose values never reach a log line. */
const REDACTED_QUERY_PARAMETERS = new Set(['code', 'state']);

/**
 * A request URL as the request log may show it: the values of the OAuth2 authorization `code`
 * and `state` (RFC 6749 §4.1.2, sent to `/auth/callback`) replaced by `[redacted]`; any other
 * part kept as sent. E.g. `/auth/callback?code=abc&state=xyz` → `/auth/callback?code=[redacted]&state=[redacted]`.
 */
export function redactOAuthQuery(url: string): string {
  const mark = url.indexOf('?');
  if (mark < 0) return url;
  const query = url
    .slice(mark + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // a malformed name is kept as sent
      }
      return REDACTED_QUERY_PARAMETERS.has(decoded.toLowerCase()) ? `${name}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, mark)}?${query}`;
}

/** Methods that never change anything (no CSRF token needed). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Content-Security-Policy of every response: same-origin assets only, no inline script. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

/**
 * Registers the dashboard's HTTP plumbing on its Fastify instance. `DashboardWebModule` calls it
 * while the app is being created (before Nest registers any route), so every way of booting
 * `DashboardAppModule` gets it; plugin registrations are queued and load before the routes:
 * - cookies + `@fastify/session`: cookie `chopsticks_dashboard` (HttpOnly, SameSite=Lax, Secure
 *   when `DASHBOARD_PUBLIC_URL` is https, max age `DASHBOARD_SESSION_TTL_SECONDS`), stored in Redis
 *   under `DASHBOARD_SESSION_PREFIX` (fastify-session-redis-store) when `REDIS_URL` is set, else
 *   in process memory (logged: sessions then end with the process and are not shared);
 * - `@fastify/csrf-protection` with its secret in the session, checked on every POST/PUT/PATCH/
 *   DELETE (token in the `_csrf` form field or the `x-csrf-token` header; 403 otherwise);
 * - security headers (CSP, nosniff, no framing, no referrer);
 * - the OAuth2 `code` and `state` cut from the URL the request log records ({@link redactOAuthQuery}).
 * @throws Error when `NODE_ENV=production` and `DASHBOARD_SESSION_SECRET` is unset
 */
export function registerDashboardHttp(
  adapter: FastifyAdapter,
  config: DashboardConfig,
  redis: Redis | null,
): void {
  const fastify = adapter.getInstance<FastifyInstance>();
  // The adapter's own request hook runs before Nest middleware (the request logger among them);
  // Fastify has parsed `request.query` (which handlers read) by then, so the raw URL the logger
  // records can lose the OAuth2 code and state. A hook added to the instance would run too late.
  adapter.setOnRequestHook((request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    request.raw.url = redactOAuthQuery(request.url);
    done();
  });
  const logger = new Logger('DashboardWeb');
  let secret = config.DASHBOARD_SESSION_SECRET;
  if (!secret) {
    if (config.NODE_ENV === 'production')
      throw new Error('DASHBOARD_SESSION_SECRET (at least 32 characters) is required in production');
    secret = randomBytes(32).toString('base64url');
    logger.warn('DASHBOARD_SESSION_SECRET is unset: using a random secret, sessions end with this process');
  }
  const store = redis
    ? new RedisStore({
        client: redis,
        prefix: config.DASHBOARD_SESSION_PREFIX,
        ttl: config.DASHBOARD_SESSION_TTL_SECONDS,
      })
    : undefined;
  if (!store)
    logger.warn(
      'REDIS_URL is unset: dashboard sessions are kept in process memory (not shared, lost on restart)',
    );
  else logger.log('dashboard sessions are stored in Redis');

  void fastify.register(fastifyCookie);
  void fastify.register(fastifySession, {
    secret,
    cookieName: SESSION_COOKIE,
    saveUninitialized: false,
    rolling: false,
    ...(store ? { store } : {}),
    cookie: {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: config.DASHBOARD_PUBLIC_URL.startsWith('https:'),
      maxAge: config.DASHBOARD_SESSION_TTL_SECONDS * 1000,
    },
  });
  void fastify.register(fastifyCsrfProtection, { sessionPlugin: '@fastify/session' });
  fastify.addHook(
    'preHandler',
    (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => {
      if (SAFE_METHODS.has(request.method)) return done();
      fastify.csrfProtection(request, reply, done);
    },
  );
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    void reply.header('content-security-policy', CSP);
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('x-frame-options', 'DENY');
    void reply.header('referrer-policy', 'no-referrer');
    done(null, payload);
  });
}
