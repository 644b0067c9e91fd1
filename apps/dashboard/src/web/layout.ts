import type { Viewer } from '../auth/viewer';
import { html, type HtmlValue, type SafeHtml } from './html';

/** Navigation entries: path, label, owner-only. */
const NAV: { path: string; label: string; ownerOnly: boolean }[] = [
  { path: '/', label: 'Overview', ownerOnly: false },
  { path: '/agents', label: 'Agents', ownerOnly: false },
  { path: '/pools', label: 'Pools', ownerOnly: false },
  { path: '/sessions', label: 'Sessions', ownerOnly: false },
  { path: '/guilds', label: 'Servers', ownerOnly: false },
  { path: '/audit', label: 'Audit trail', ownerOnly: false },
];

/** What a page hands the layout. */
export interface PageInput {
  title: string;
  /** Path of the current nav entry (for `aria-current`). */
  current?: string;
  viewer?: Viewer;
  /** CSRF token for forms on the page (and the logout form). */
  csrfToken?: string;
  body: HtmlValue;
}

/**
 * The page shell: skip link, `<header>` with the site `<nav>` and a logout form (CSRF token),
 * one `<main>`, the stylesheet and live script from `/assets`. Landmarks and headings are what
 * a screen reader navigates by.
 */
export function layout(page: PageInput): SafeHtml {
  const nav = page.viewer
    ? html`<nav aria-label="Main">
          <ul>
            ${NAV.filter((entry) => !entry.ownerOnly || page.viewer?.isOwner).map(
              (entry) =>
                html`<li>
                  <a href="${entry.path}" ${page.current === entry.path ? html`aria-current="page"` : ''}
                    >${entry.label}</a
                  >
                </li>`,
            )}
          </ul>
        </nav>
        <form class="inline" method="post" action="/logout">
          <input type="hidden" name="_csrf" value="${page.csrfToken ?? ''}" />
          <span>${page.viewer.name}${page.viewer.isOwner ? ' (bot owner)' : ''}</span>
          <button type="submit" class="link">Log out</button>
        </form>`
    : '';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        ${page.csrfToken ? html`<meta name="csrf-token" content="${page.csrfToken}" />` : ''}
        <title>${page.title} · Chopsticks dashboard</title>
        <link rel="stylesheet" href="/assets/dashboard.css" />
        <script src="/assets/dashboard.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header>
          <span class="brand">Chopsticks</span>
          ${nav}
        </header>
        <main id="main" tabindex="-1">
          <h1>${page.title}</h1>
          ${page.body}
        </main>
      </body>
    </html>`;
}

/** ISO-ish UTC timestamp for tables (`2026-11-29 15:04:05 UTC`). */
export function when(iso: string | number): string {
  return `${new Date(iso).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}

/** A table with a caption and column headers (`scope="col"`) inside a scrollable region. */
export function table(caption: string, headers: string[], rows: HtmlValue[], empty: string): SafeHtml {
  return html`<div class="table-wrap" role="region" aria-label="${caption}" tabindex="0">
    <table>
      <caption>
        ${caption}
      </caption>
      <thead>
        <tr>
          ${headers.map((header) => html`<th scope="col">${header}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows.length > 0
          ? rows
          : html`<tr>
              <td colspan="${headers.length}">${empty}</td>
            </tr>`}
      </tbody>
    </table>
  </div>`;
}
