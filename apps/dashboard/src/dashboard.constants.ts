/** DI token of the validated {@link DashboardConfig}. */
export const DASHBOARD_CONFIG = Symbol('DASHBOARD_CONFIG');
/** DI token of the dashboard's ioredis client (null when REDIS_URL is unset). */
export const DASHBOARD_REDIS = Symbol('DASHBOARD_REDIS');
/** DI token of the provider that registers sessions, CSRF and headers on Fastify at creation. */
export const DASHBOARD_HTTP = Symbol('DASHBOARD_HTTP');
/** Name of the session cookie. */
export const SESSION_COOKIE = 'chopsticks_dashboard';
/** Most pages a list call follows before it stops (200 items each). */
export const MAX_LIST_PAGES = 25;
/** Items per admin API page the dashboard asks for (the API's maximum). */
export const API_PAGE_SIZE = 200;
/** Audit events per dashboard page. */
export const AUDIT_PAGE_SIZE = 50;
/**
 * Bounds of a custom idle release, seconds: the guild settings minimum (`MIN_IDLE_RELEASE_SECONDS`
 * of `@app/pools`) and the admin API's maximum (`PATCH /guilds/{id}/settings`, 31 days).
 */
export const IDLE_SECONDS_MIN = 60;
export const IDLE_SECONDS_MAX = 2_678_400;
