/** HTML that is already safe to emit (built by {@link html} or marked with {@link raw}). */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

/** A value interpolated into {@link html}: escaped unless it is {@link SafeHtml}; arrays joined. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value));
}

/**
 * Tagged template for server-rendered pages: every interpolation is HTML-escaped unless it is
 * {@link SafeHtml} (nested `html` fragments); arrays are concatenated; null/undefined/false
 * render nothing.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/** Marks trusted markup (constants in this codebase only — never user or API data). */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** JSON for an inline `<script type="application/json">` block (`<` escaped so it cannot close it). */
export function jsonScript(value: unknown): SafeHtml {
  return new SafeHtml(JSON.stringify(value).replace(/</g, '\\u003c'));
}
