import type { SmokeConfig } from './smoke.config';

/** Outcome of one smoke check. */
export interface SmokeCheck {
  /** Stable name, e.g. `controller /healthz`. */
  name: string;
  ok: boolean;
  /** What was seen (status, reason); never a secret. */
  detail: string;
  /** Wall time of the check (ms). */
  ms: number;
}

/** `fetch` with a timeout; rejects with a readable reason. */
async function request(url: string, timeoutMs: number, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : cause;
    throw new Error(reason ?? (error as Error).message);
  }
}

async function timed(name: string, work: () => Promise<string>): Promise<SmokeCheck> {
  const started = Date.now();
  try {
    return { name, ok: true, detail: await work(), ms: Date.now() - started };
  } catch (error) {
    return { name, ok: false, detail: (error as Error).message, ms: Date.now() - started };
  }
}

/** GET `url`, expecting HTTP 200. */
function healthCheck(name: string, url: string, timeoutMs: number): Promise<SmokeCheck> {
  return timed(name, async () => {
    const response = await request(url, timeoutMs);
    const body = await response.text();
    if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status} ${body.slice(0, 200)}`);
    return `${url}: HTTP 200`;
  });
}

/** GET a Prometheus text exposition, expecting 200 and at least one `# TYPE` line. */
function metricsCheck(name: string, url: string, config: SmokeConfig): Promise<SmokeCheck> {
  return timed(name, async () => {
    const headers: Record<string, string> = config.metricsToken
      ? { authorization: `Bearer ${config.metricsToken}` }
      : {};
    const response = await request(url, config.timeoutMs, { headers });
    const body = await response.text();
    if (response.status === 401)
      throw new Error(`${url}: HTTP 401 — set METRICS_TOKEN to the token the app was started with`);
    if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
    const families = body.split('\n').filter((line) => line.startsWith('# TYPE ')).length;
    if (families === 0) throw new Error(`${url}: HTTP 200 but no metric family in the body`);
    return `${url}: ${families} metric families`;
  });
}

/** The health endpoints of every app and both controller metrics endpoints (SPEC §1, §7). */
export function serviceChecks(config: SmokeConfig): Promise<SmokeCheck>[] {
  const t = config.timeoutMs;
  return [
    healthCheck('controller /healthz', `${config.controller}/healthz`, t),
    healthCheck('controller /readyz', `${config.controller}/readyz`, t),
    healthCheck('runner /healthz', `${config.runner}/healthz`, t),
    healthCheck('dashboard /health', `${config.dashboard}/health`, t),
    healthCheck('funhub /health', `${config.funhub}/health`, t),
    metricsCheck('controller /metrics', `${config.controller}/metrics`, config),
    metricsCheck('controller /metrics-app', `${config.controller}/metrics-app`, config),
  ];
}

interface SandboxAnswer {
  error?: string;
  original: { content: string; embeds: { title?: string }[] } | null;
}

/**
 * One slash command round trip through the Discord sandbox's control API: `/pools list` (read
 * only, ephemeral) as the configured user; the controller must answer with something other than
 * its generic failure or a rate-limit refusal.
 */
export function sandboxRoundTrip(config: SmokeConfig): Promise<SmokeCheck> {
  return timed('slash command round trip (sandbox)', async () => {
    const target = config.target;
    if (target.kind !== 'sandbox') throw new Error('not in sandbox mode');
    const { control, applicationId, channelId, userId } = target;
    if (!control || !applicationId || !channelId || !userId)
      throw new Error(
        'no sandbox to talk to: start `npm run demo` (its stack.json names one) or set SMOKE_SANDBOX_URL, SMOKE_SANDBOX_APPLICATION_ID, SMOKE_SANDBOX_CHANNEL_ID and SMOKE_SANDBOX_USER_ID',
      );
    const response = await request(`${control.replace(/\/+$/, '')}/interactions/commands`, 15_000, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        applicationId,
        userId,
        channelId,
        name: 'pools',
        subcommand: 'list',
        waitFor: 'response',
      }),
    });
    if (response.status !== 200)
      throw new Error(
        `sandbox control API: HTTP ${response.status} ${(await response.text()).slice(0, 200)}`,
      );
    const answer = (await response.json()) as SandboxAnswer;
    if (answer.error || !answer.original) throw new Error(`/pools list: ${answer.error ?? 'no answer'}`);
    const text = answer.original.embeds[0]?.title ?? answer.original.content;
    if (/went wrong|too quickly|temporarily unavailable|paused/i.test(answer.original.content))
      throw new Error(`/pools list answered "${answer.original.content.slice(0, 200)}"`);
    return `/pools list answered "${text.slice(0, 80)}"`;
  });
}

/**
 * Against real Discord, without a user no command can be invoked, so this checks what can be:
 * the bot token is valid (`GET /users/@me`) and the guild's (or global) registered application
 * commands include every top-level command of the controller (`expected`).
 */
export function discordChecks(config: SmokeConfig, expected: readonly string[]): Promise<SmokeCheck>[] {
  const target = config.target;
  if (target.kind !== 'discord') return [];
  const headers = { authorization: `Bot ${target.token}` };
  const me = timed('Discord bot token (GET /users/@me)', async () => {
    const response = await request(`${target.apiUrl}/users/@me`, config.timeoutMs, { headers });
    if (response.status === 401) throw new Error('Discord refused the token (401): it is wrong or was reset');
    if (response.status !== 200) throw new Error(`GET /users/@me: HTTP ${response.status}`);
    const user = (await response.json()) as { id: string; username: string; bot?: boolean };
    if (!user.bot) throw new Error(`the token belongs to ${user.username}, which is not a bot`);
    return `logged in as ${user.username} (${user.id})`;
  });
  const commands = (async () => {
    const started = Date.now();
    const identity = await me;
    if (!identity.ok)
      return {
        name: 'registered slash commands',
        ok: false,
        detail: 'skipped: the bot token check failed',
        ms: 0,
      };
    return timed('registered slash commands', async () => {
      const application = (await (
        await request(`${target.apiUrl}/applications/@me`, config.timeoutMs, { headers })
      ).json()) as { id?: string };
      if (!application.id) throw new Error('GET /applications/@me named no application');
      const names = new Set<string>();
      for (const path of [
        `/applications/${application.id}/guilds/${target.guildId}/commands`,
        `/applications/${application.id}/commands`,
      ]) {
        const response = await request(`${target.apiUrl}${path}`, config.timeoutMs, { headers });
        if (response.status !== 200) throw new Error(`GET ${path}: HTTP ${response.status}`);
        for (const command of (await response.json()) as { name: string }[]) names.add(command.name);
      }
      const missing = expected.filter((name) => !names.has(name));
      if (missing.length > 0)
        throw new Error(
          `not registered in guild ${target.guildId} or globally: /${missing.join(', /')} — run npm run commands:deploy`,
        );
      return `${expected.length} commands registered (${Date.now() - started} ms incl. token check)`;
    });
  })();
  return [me, commands];
}
