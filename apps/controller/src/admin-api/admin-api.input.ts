import { AdminApiErrorCode, AdminApiException } from './admin-api.exception';

/** Deepest nesting of arrays/objects an admin API body may have (the DTOs need 3 at most). */
export const MAX_BODY_DEPTH = 32;
/** Longest path parameter (ids are snowflakes, UUIDs, `pool_…` and `deploy-…` ids). */
export const MAX_PARAM_LENGTH = 100;
/** Longest query string value. */
export const MAX_QUERY_VALUE_LENGTH = 512;

/** C0 control characters and DEL: never part of an id, filter or name the API accepts. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point here
const CONTROL = /[\u0000-\u001f\u007f]/;

type FieldError = { field: string; messages: string[] };

/**
 * Central input check of every admin API request, run by `ApiKeyGuard` before it resolves the
 * request's guild/pool and before any pipe (OWASP API8/API4): path parameters and query values must
 * be strings of at most {@link MAX_PARAM_LENGTH} / {@link MAX_QUERY_VALUE_LENGTH} characters without
 * control characters (a NUL would otherwise reach Postgres); the JSON body may nest at most
 * {@link MAX_BODY_DEPTH} levels (walked iteratively, so a deep body cannot exhaust the stack) and
 * may hold no NUL in any string or key.
 * @throws AdminApiException VALIDATION_FAILED with per-field messages
 */
export function assertSafeInput(request: { params?: unknown; query?: unknown; body?: unknown }): void {
  const errors: FieldError[] = [
    ...checkFlat('path', request.params, MAX_PARAM_LENGTH),
    ...checkFlat('query', request.query, MAX_QUERY_VALUE_LENGTH),
    ...checkBody(request.body),
  ];
  if (errors.length > 0)
    throw new AdminApiException(
      AdminApiErrorCode.ValidationFailed,
      'The request has invalid path, query or body values.',
      undefined,
      errors,
    );
}

function checkFlat(where: string, values: unknown, maxLength: number): FieldError[] {
  if (!values || typeof values !== 'object') return [];
  const errors: FieldError[] = [];
  for (const [name, value] of Object.entries(values)) {
    const field = `${where}.${name}`;
    for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
      if (typeof item !== 'string') continue;
      const messages: string[] = [];
      if (item.length > maxLength) messages.push(`${field} must be at most ${maxLength} characters`);
      if (CONTROL.test(item) || CONTROL.test(name))
        messages.push(`${field} must not contain control characters`);
      if (messages.length > 0) {
        errors.push({ field, messages });
        break;
      }
    }
  }
  return errors;
}

function checkBody(body: unknown): FieldError[] {
  if (body === null || typeof body !== 'object') {
    return typeof body === 'string' && body.includes('\u0000')
      ? [{ field: 'body', messages: ['body must not contain NUL characters'] }]
      : [];
  }
  const stack: { value: unknown; depth: number; path: string }[] = [{ value: body, depth: 1, path: 'body' }];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000'))
        return [{ field: path, messages: [`${path} must not contain NUL characters`] }];
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_BODY_DEPTH)
      return [{ field: 'body', messages: [`body must not nest deeper than ${MAX_BODY_DEPTH} levels`] }];
    for (const [key, child] of Object.entries(value)) {
      if (key.includes('\u0000'))
        return [{ field: path, messages: [`${path} keys must not contain NUL characters`] }];
      stack.push({
        value: child,
        depth: depth + 1,
        path: Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`,
      });
    }
  }
  return [];
}
