import type { Viewer } from '../auth/viewer';
import type {
  AuditEvent,
  Deployment,
  GuildSettings,
  LiveAgent,
  Pool,
  RegisteredAgent,
} from '../controller-api/controller-api.schemas';
import type { LiveSnapshot, SessionView } from '../live/live-state.service';
import { IDLE_SECONDS_MAX, IDLE_SECONDS_MIN } from '../dashboard.constants';
import { CHART_SERIES } from '../web/assets';
import { html, type SafeHtml } from '../web/html';
import { table, when } from '../web/layout';

const pct = (ratio: number) => `${Math.round(ratio * 100)} %`;

/** Agent counts as cards; `data-live` spans are updated from the SSE stream. */
export function statCards(snapshot: LiveSnapshot): SafeHtml {
  const card = (key: string, label: string, value: number) =>
    html`<div class="card">
      <div class="value" data-live="${key}">${value}</div>
      <div class="label">${label}</div>
    </div>`;
  return html`<section aria-labelledby="fleet-heading">
    <h2 id="fleet-heading">Agents</h2>
    <div class="cards">
      ${card('connected', 'Connected', snapshot.agents.connected)}
      ${card('ready', 'Ready', snapshot.agents.ready)} ${card('busy', 'Busy', snapshot.agents.busy)}
      ${card('sessions', 'Live sessions', snapshot.sessions.length)}
    </div>
  </section>`;
}

/** Utilization by kind: current values in text, history as an inline SVG line chart (live). */
export function utilizationChart(snapshot: LiveSnapshot): SafeHtml {
  return html`<section aria-labelledby="util-heading">
    <h2 id="util-heading">Pool utilization</h2>
    <div class="chart">
      <svg
        data-live-chart
        viewBox="0 0 600 160"
        role="img"
        aria-labelledby="util-desc"
        preserveAspectRatio="none"
      >
        <title id="util-desc">Busy share of ready agents over the last minutes, by kind</title>
        <line x1="0" y1="160" x2="600" y2="160" stroke="#8a93a0" />
        <line x1="0" y1="80" x2="600" y2="80" stroke="#d9dde3" />
        <line x1="0" y1="0" x2="600" y2="0" stroke="#d9dde3" />
      </svg>
      <ul class="legend">
        ${CHART_SERIES.map(
          (series) =>
            html`<li>
              <span class="swatch-${series.key}" aria-hidden="true"></span>${series.label}:
              <strong data-live="util-${series.key}">${pct(snapshot.utilization[series.key])}</strong>
            </li>`,
        )}
      </ul>
      <p class="hint">
        Updated <span data-live="updated">${when(snapshot.at)}</span><span data-live-label> (live)</span>.
      </p>
    </div>
  </section>`;
}

/** Live sessions with a release button each (CSRF token in every form). */
export function sessionsTable(sessions: SessionView[], csrfToken: string): SafeHtml {
  return html`<div class="table-wrap" role="region" aria-label="Live sessions" tabindex="0">
    <table>
      <caption>
        Live sessions
      </caption>
      <thead>
        <tr>
          <th scope="col">Kind</th>
          <th scope="col">Server</th>
          <th scope="col">Voice channel</th>
          <th scope="col">Agent</th>
          <th scope="col">Started</th>
          <th scope="col"><span class="sr-only">Actions</span></th>
        </tr>
      </thead>
      <tbody data-live-sessions aria-live="polite">
        ${sessions.length === 0
          ? html`<tr>
              <td colspan="6">No live sessions.</td>
            </tr>`
          : sessions.map(
              (session) =>
                html`<tr data-session-id="${session.sessionId}">
                  <td>${session.kind}</td>
                  <td>${session.guildName}</td>
                  <td>${session.voiceChannelId}</td>
                  <td>${session.agentId}</td>
                  <td>${when(session.createdAt)}</td>
                  <td>
                    <form
                      class="inline"
                      method="post"
                      action="/sessions/${encodeURIComponent(session.sessionId)}/release"
                    >
                      <input type="hidden" name="_csrf" value="${csrfToken}" />
                      <button
                        type="submit"
                        class="danger"
                        aria-label="Release the ${session.kind} session in ${session.guildName}"
                      >
                        Release
                      </button>
                    </form>
                  </td>
                </tr>`,
            )}
      </tbody>
    </table>
  </div>`;
}

/**
 * A name for a table cell: `name` with the id as tooltip, or the id itself (as code) when there is
 * no name.
 */
function named(name: string | null, id: string | null): SafeHtml | string {
  if (id === null) return name ?? '—';
  return name === null ? html`<code>${id}</code>` : html`<span title="${id}">${name}</span>`;
}

/** Live agents the viewer may see, by tag (id when unregistered) and pool name (id when unknown). */
export function liveAgentsTable(agents: LiveAgent[], viewer: Viewer): SafeHtml {
  return table(
    'Connected agents',
    ['Agent', 'State', 'Pool', 'Kinds', 'Your servers', 'Sessions', 'Health', 'Connected since'],
    agents.map(
      (agent) =>
        html`<tr data-agent-id="${agent.agentId}">
          <td>${named(agent.tag, agent.agentId)}</td>
          <td>${agent.ready ? (agent.sessions > 0 ? 'busy' : 'ready') : 'connecting'}</td>
          <td>${named(agent.poolName, agent.poolId)}</td>
          <td>${agent.kinds === null ? 'all' : agent.kinds.join(', ')}</td>
          <td>
            ${agent.guildIds
              .filter((id) => viewer.canSeeGuild(id))
              .map((id) => viewer.guildName(id))
              .join(', ') || '—'}
          </td>
          <td>${agent.sessions}</td>
          <td>${agent.healthScore === null ? '—' : agent.healthScore.toFixed(2)}</td>
          <td>${when(agent.connectedAt)}</td>
        </tr>`,
    ),
    'No agent is connected.',
  );
}

/** Registered agent identities (bot owners only); pools by name when `poolNames` has it. */
export function registeredAgentsTable(
  agents: RegisteredAgent[],
  poolNames: ReadonlyMap<string, string>,
): SafeHtml {
  return table(
    'Registered agents',
    ['Agent', 'Tag', 'Pool', 'Status', 'Connected', 'Ready', 'Failures', 'Last login error'],
    agents.map(
      (agent) =>
        html`<tr>
          <td><code>${agent.agentId}</code></td>
          <td>${agent.tag}</td>
          <td>${named(poolNames.get(agent.poolId) ?? null, agent.poolId)}</td>
          <td>${agent.status}</td>
          <td>${agent.connected ? 'yes' : 'no'}</td>
          <td>${agent.ready ? 'yes' : 'no'}</td>
          <td>${agent.failureCount}</td>
          <td>${agent.lastLoginError ?? '—'}</td>
        </tr>`,
    ),
    'No agent is registered.',
  );
}

/** Pools table. */
export function poolsTable(pools: Pool[]): SafeHtml {
  return table(
    'Pools',
    ['Pool', 'Name', 'Visibility', 'Max agents', 'Specialty', 'Created'],
    pools.map(
      (pool) =>
        html`<tr>
          <td><code>${pool.id}</code></td>
          <td>${pool.name}</td>
          <td>${pool.visibility}</td>
          <td>${pool.maxAgents}</td>
          <td>${pool.specialty ?? '—'}</td>
          <td>${when(pool.createdAt)}</td>
        </tr>`,
    ),
    'No pools.',
  );
}

/** Servers the viewer manages. */
export function guildsList(guilds: { id: string; name: string }[]): SafeHtml {
  return table(
    'Servers you manage',
    ['Server', 'Id'],
    guilds.map(
      (guild) =>
        html`<tr>
          <td><a href="/guilds/${guild.id}">${guild.name}</a></td>
          <td><code>${guild.id}</code></td>
        </tr>`,
    ),
    'You do not have the Manage Server permission in any server.',
  );
}

/** Settings form: selected pool and idle policy. */
export function settingsForm(
  guildId: string,
  settings: GuildSettings,
  pools: Pool[],
  csrfToken: string,
): SafeHtml {
  const idle = settings.idleReleaseSeconds;
  const mode = idle === null ? 'default' : idle === 0 ? 'off' : 'custom';
  const radio = (value: string, label: string) =>
    html`<div>
      <input
        type="radio"
        id="idle-${value}"
        name="idleMode"
        value="${value}"
        ${mode === value ? html`checked` : ''}
      />
      <label for="idle-${value}" class="inline-label">${label}</label>
    </div>`;
  return html`<section aria-labelledby="settings-heading">
    <h2 id="settings-heading">Settings</h2>
    <form method="post" action="/guilds/${guildId}/settings">
      <input type="hidden" name="_csrf" value="${csrfToken}" />
      <label for="selectedPoolId">Selected pool</label>
      <select id="selectedPoolId" name="selectedPoolId" aria-describedby="pool-hint">
        <option value="">None (public pools only)</option>
        ${pools.map(
          (pool) =>
            html`<option value="${pool.id}" ${settings.selectedPoolId === pool.id ? html`selected` : ''}>
              ${pool.name} (${pool.id})
            </option>`,
        )}
      </select>
      <p class="hint" id="pool-hint">Agents of the selected pool are used before public ones.</p>
      <fieldset>
        <legend>Idle policy</legend>
        ${radio('default', 'Product default')} ${radio('off', 'Never release idle agents')}
        ${radio('custom', 'Release after a custom idle time')}
        <label for="idleSeconds">
          Idle seconds (${IDLE_SECONDS_MIN} to ${IDLE_SECONDS_MAX.toLocaleString('en-US')}, i.e. 31 days, for
          a custom time)
        </label>
        <input
          id="idleSeconds"
          name="idleSeconds"
          type="number"
          min="${IDLE_SECONDS_MIN}"
          max="${IDLE_SECONDS_MAX}"
          step="1"
          inputmode="numeric"
          value="${mode === 'custom' ? String(idle) : ''}"
        />
      </fieldset>
      <p><button type="submit">Save settings</button></p>
    </form>
  </section>`;
}

/** Deploy planner form: pool + desired total → invite links. */
export function deployForm(guildId: string, pools: Pool[], csrfToken: string): SafeHtml {
  return html`<section aria-labelledby="deploy-heading">
    <h2 id="deploy-heading">Deploy planner</h2>
    <form method="post" action="/guilds/${guildId}/deploy">
      <input type="hidden" name="_csrf" value="${csrfToken}" />
      <label for="deploy-pool">Pool</label>
      <select id="deploy-pool" name="poolId" required>
        ${pools.map((pool) => html`<option value="${pool.id}">${pool.name} (${pool.id})</option>`)}
      </select>
      <label for="desiredTotal">Agents this server should have in total (0–49)</label>
      <input id="desiredTotal" name="desiredTotal" type="number" min="0" max="49" required value="1" />
      <p><button type="submit">Plan</button></p>
    </form>
  </section>`;
}

/**
 * An agent's invite URL bound to one server: `guild_id` pre-selects it and
 * `disable_guild_select=true` keeps the user from picking another (Discord docs, Topics › OAuth2 ›
 * Bot Authorization Flow, bot auth parameters). A URL that does not parse is returned unchanged.
 */
export function guildInviteUrl(url: string, guildId: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  parsed.searchParams.set('guild_id', guildId);
  parsed.searchParams.set('disable_guild_select', 'true');
  return parsed.toString();
}

/** A deploy plan: counts, invite links (bound to the server), unusable registrations. */
export function deployResult(guildId: string, deployment: Deployment): SafeHtml {
  const { plan } = deployment;
  return html`<p class="notice" role="status">
      ${plan.present} present, ${plan.need} needed, ${plan.invites.length} invite links, ${plan.shortfall} the
      pool cannot supply.
    </p>
    ${table(
      'Invite links',
      ['Agent', 'Invite'],
      plan.invites.map(
        (invite, index) =>
          html`<tr>
            <td><code>${invite.agentId}</code></td>
            <td>
              <a href="${safeUrl(guildInviteUrl(invite.url, guildId))}" rel="noopener noreferrer"
                >Invite agent ${index + 1}</a
              >
            </td>
          </tr>`,
      ),
      'Nothing to invite: the server already has enough agents of this pool.',
    )}
    ${plan.diagnostics.unusable.length > 0
      ? table(
          'Registrations that cannot be deployed',
          ['Agent', 'Reason', 'What fixes it'],
          plan.diagnostics.unusable.map(
            (agent) =>
              html`<tr>
                <td><code>${agent.agentId}</code></td>
                <td>${agent.reason}</td>
                <td>${agent.action}</td>
              </tr>`,
          ),
          '',
        )
      : ''}
    <p><a href="/guilds/${guildId}">Back to the server</a></p>`;
}

/** Audit events table with pagination links. */
export function auditTable(
  events: AuditEvent[],
  nextHref: string | null,
  firstHref: string | null,
): SafeHtml {
  return html`${table(
      'Audit events, newest first',
      ['When', 'Actor', 'Action', 'Target', 'Details'],
      events.map(
        (event) =>
          html`<tr>
            <td>${when(event.createdAt)}</td>
            <td><code>${event.actor}</code></td>
            <td>${event.action}</td>
            <td>${event.targetType}${event.targetId ? html` <code>${event.targetId}</code>` : ''}</td>
            <td><code>${JSON.stringify(event.payload).slice(0, 300)}</code></td>
          </tr>`,
      ),
      'No audit events.',
    )}
    <nav class="pager" aria-label="Audit pages">
      ${firstHref ? html`<a href="${firstHref}">Newest</a>` : ''}
      ${nextHref ? html`<a href="${nextHref}" rel="next">Older events</a>` : ''}
    </nav>`;
}

/** Only http(s) URLs are linked; anything else becomes `#`. */
function safeUrl(url: string): string {
  return /^https?:\/\//i.test(url) ? url : '#';
}
