/**
 * Static assets of the dashboard, served by `AssetsController` from memory (no CDN, no build
 * step). The stylesheet is mobile-first (no horizontal page scroll at 375 px: wide tables scroll
 * inside their own region) with visible focus styles; the script keeps live regions current
 * from the SSE stream at `/live/events` and draws the utilization chart as inline SVG. On
 * `event: problem` it shows "Live updates paused: controller unreachable" and hides every
 * "(live)" label until the next `event: snapshot`.
 */
export const DASHBOARD_CSS = `
*,*::before,*::after{box-sizing:border-box}
:root{--bg:#f6f7f9;--fg:#14171c;--muted:#5b6470;--card:#fff;--line:#d9dde3;--accent:#3b49df;--danger:#b3261e;--ok:#1b7f3b;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.45;color:var(--fg);background:var(--bg)}
body{margin:0;min-width:0;overflow-wrap:break-word}
a{color:var(--accent)}
:focus-visible{outline:3px solid #ffb000;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:8px;z-index:9}
header{background:#1f2330;color:#fff;padding:8px 16px;display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center}
header a{color:#fff}
header .brand{font-weight:700;margin-right:auto}
nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:4px 12px;margin:0;padding:0}
nav a[aria-current=page]{font-weight:700;text-decoration:underline}
main{max-width:1100px;margin:0 auto;padding:16px}
h1{font-size:1.5rem;margin:.2em 0 .6em}
h2{font-size:1.15rem;margin:1.2em 0 .5em}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px}
.card .value{font-size:1.8rem;font-weight:700}
.card .label{color:var(--muted)}
.table-wrap{position:relative;overflow-x:auto;max-width:100%;background:var(--card);border:1px solid var(--line);border-radius:8px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#eef0f4;overflow-wrap:normal;white-space:nowrap}
caption{text-align:left;padding:8px;font-weight:600}
code{font-size:.85em}
p code,.hint code,[role=alert] code,[role=status] code{overflow-wrap:anywhere}
form.inline{display:inline}
button,.button{font:inherit;padding:6px 12px;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.danger{background:var(--danger);border-color:var(--danger)}
button.link{background:none;border:none;color:#fff;text-decoration:underline;padding:0}
label{display:block;font-weight:600;margin:.6em 0 .2em}
input,select{font:inherit;padding:6px;border:1px solid #8a93a0;border-radius:6px;max-width:100%}
.hint{color:var(--muted);font-size:.9em;margin:.2em 0}
.notice{padding:10px 12px;border-radius:6px;background:#e8f3ea;border:1px solid var(--ok)}
.error{padding:10px 12px;border-radius:6px;background:#fbeaea;border:1px solid var(--danger)}
.chart{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px}
.chart svg{width:100%;height:auto;display:block}
.legend{display:flex;flex-wrap:wrap;gap:12px;list-style:none;padding:0;margin:6px 0 0}
.legend [class^=swatch]{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:4px;vertical-align:middle}
.pager{display:flex;gap:12px;margin:12px 0}
.inline-label{display:inline;font-weight:400;margin-left:4px}
fieldset{border:1px solid var(--line);border-radius:6px;margin:12px 0}
.swatch-overall{background:#3b49df}.swatch-music{background:#1b7f3b}.swatch-assistant{background:#b35c00}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
`;

/** Line colours of the chart, by series. */
export const CHART_SERIES = [
  { key: 'overall', label: 'Overall', color: '#3b49df' },
  { key: 'music', label: 'Music', color: '#1b7f3b' },
  { key: 'assistant', label: 'Assistant', color: '#b35c00' },
] as const;

export const DASHBOARD_JS = `
(function () {
  var root = document.querySelector('[data-live-url]');
  if (!root || !window.EventSource) return;
  var csrf = (document.querySelector('meta[name=csrf-token]') || {}).content || '';
  var series = ${JSON.stringify(CHART_SERIES)};
  var history = [];
  var W = 600, H = 160, MAX = 60;
  function set(name, value) {
    document.querySelectorAll('[data-live="' + name + '"]').forEach(function (el) { el.textContent = value; });
  }
  function pct(x) { return Math.round(x * 100) + ' %'; }
  function drawChart() {
    var svg = document.querySelector('[data-live-chart]');
    if (!svg) return;
    var NS = 'http://www.w3.org/2000/svg';
    svg.querySelectorAll('polyline').forEach(function (p) { p.remove(); });
    series.forEach(function (s) {
      var points = history.map(function (h, i) {
        var x = W - (history.length - 1 - i) * (W / (MAX - 1));
        return x.toFixed(1) + ',' + (H - h[s.key] * H).toFixed(1);
      }).join(' ');
      var line = document.createElementNS(NS, 'polyline');
      line.setAttribute('points', points);
      line.setAttribute('fill', 'none');
      line.setAttribute('stroke', s.color);
      line.setAttribute('stroke-width', '2');
      svg.appendChild(line);
    });
  }
  function cell(row, text) { var td = document.createElement('td'); td.textContent = text; row.appendChild(td); return td; }
  function drawSessions(sessions) {
    document.querySelectorAll('[data-live-sessions]').forEach(function (tbody) {
      tbody.replaceChildren();
      if (sessions.length === 0) {
        var empty = document.createElement('tr');
        var td = cell(empty, 'No live sessions.');
        td.colSpan = 6;
        tbody.appendChild(empty);
        return;
      }
      sessions.forEach(function (s) {
        var row = document.createElement('tr');
        row.setAttribute('data-session-id', s.sessionId);
        cell(row, s.kind);
        cell(row, s.guildName);
        cell(row, s.voiceChannelId);
        cell(row, s.agentId);
        cell(row, new Date(s.createdAt).toISOString().replace('T', ' ').slice(0, 19) + ' UTC');
        var action = cell(row, '');
        var form = document.createElement('form');
        form.method = 'post';
        form.className = 'inline';
        form.action = '/sessions/' + encodeURIComponent(s.sessionId) + '/release';
        var token = document.createElement('input');
        token.type = 'hidden'; token.name = '_csrf'; token.value = csrf;
        var button = document.createElement('button');
        button.type = 'submit'; button.className = 'danger';
        button.textContent = 'Release';
        button.setAttribute('aria-label', 'Release the ' + s.kind + ' session in ' + s.guildName);
        form.appendChild(token); form.appendChild(button); action.appendChild(form);
        tbody.appendChild(row);
      });
    });
  }
  function paused(message) {
    var banner = root.querySelector('[data-live-problem]');
    if (message && !banner) {
      banner = document.createElement('p');
      banner.className = 'error';
      banner.setAttribute('role', 'status');
      banner.setAttribute('data-live-problem', '');
      root.prepend(banner);
    }
    if (banner) { banner.textContent = message || ''; banner.hidden = !message; }
    document.querySelectorAll('[data-live-label]').forEach(function (el) { el.hidden = Boolean(message); });
  }
  var source = new EventSource(root.getAttribute('data-live-url'));
  source.addEventListener('problem', function () {
    paused('Live updates paused: controller unreachable. Figures shown may be out of date.');
    root.setAttribute('data-live-state', 'paused');
  });
  source.addEventListener('snapshot', function (event) {
    var data = JSON.parse(event.data);
    paused(null);
    set('connected', data.agents.connected);
    set('ready', data.agents.ready);
    set('busy', data.agents.busy);
    set('sessions', data.sessions.length);
    series.forEach(function (s) { set('util-' + s.key, pct(data.utilization[s.key])); });
    set('updated', new Date(data.at).toISOString().replace('T', ' ').slice(0, 19) + ' UTC');
    history.push(data.utilization);
    if (history.length > MAX) history.shift();
    drawChart();
    drawSessions(data.sessions);
    root.setAttribute('data-live-state', 'open');
  });
  source.addEventListener('error', function () { root.setAttribute('data-live-state', 'reconnecting'); });
})();
`;
