/** How rendered text is escaped for its destination. */
export const FUN_TEXT_FORMATS = ['plain', 'markdown', 'html'] as const;
/** One of {@link FUN_TEXT_FORMATS}. */
export type FunTextFormat = (typeof FUN_TEXT_FORMATS)[number];

/** Longest `target`/`actor` name accepted by the API (characters). */
export const FUN_NAME_MAX_LENGTH = 64;

/** Names used when the caller gives none. */
export const DEFAULT_TARGET = 'friend';
export const DEFAULT_ACTOR = 'Someone';

/**
 * Cleans a caller-supplied name before it goes into a template: control and format characters
 * (including bidi overrides and zero-width characters) removed, whitespace collapsed, trimmed,
 * and cut to {@link FUN_NAME_MAX_LENGTH} code points. Returns null when nothing is left.
 */
export function cleanName(value: string | null | undefined): string | null {
  if (value == null) return null;
  const cleaned = value
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (cleaned.length === 0) return null;
  return [...cleaned].slice(0, FUN_NAME_MAX_LENGTH).join('');
}

/**
 * Escapes `value` for the destination: `markdown` backslash-escapes Discord/CommonMark markup
 * (`\ * _ ~ ` | > # [ ] ( ) -` and `@` is left alone — mentions are the client's business);
 * `html` replaces `& < > " '` with entities; `plain` returns it unchanged.
 */
export function escapeFor(format: FunTextFormat, value: string): string {
  switch (format) {
    case 'plain':
      return value;
    case 'markdown':
      return value.replace(/[\\*_~`|>#[\]()-]/g, (char) => `\\${char}`);
    case 'html':
      return value.replace(/[&<>"']/g, (char) => HTML_ENTITIES[char]);
  }
}

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Fills `{target}` and `{actor}` in a template. Names are inserted escaped for `format`. The
 * template is our own validated text: its markup is kept for `markdown`, and it is escaped for
 * `html`, so the whole result can be inserted into a page as text.
 */
export function fillTemplate(
  template: string,
  names: { target: string; actor: string },
  format: FunTextFormat,
): string {
  return template
    .split(/(\{target\}|\{actor\})/)
    .map((part) =>
      part === '{target}'
        ? escapeFor(format, names.target)
        : part === '{actor}'
          ? escapeFor(format, names.actor)
          : format === 'html'
            ? escapeFor(format, part)
            : part,
    )
    .join('');
}
