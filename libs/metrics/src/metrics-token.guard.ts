import { createHash, timingSafeEqual } from 'node:crypto';
import {
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { METRICS_HTTP_OPTIONS, type MetricsHttpOptions } from './metrics.constants';

interface HeaderCarrier {
  headers: Record<string, string | string[] | undefined>;
}

interface HeaderSink {
  header?: (name: string, value: string) => unknown;
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** SHA-256 of the text, so tokens of any length compare in constant time. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * `true` when `authorization` is `Bearer <token>` (RFC 6750 §2.1) for the configured token.
 * Compares SHA-256 digests with `timingSafeEqual`, so timing does not reveal the token or its
 * length.
 */
export function bearerTokenMatches(authorization: string | undefined, token: string): boolean {
  const match = authorization === undefined ? null : BEARER.exec(authorization);
  const presented = match?.[1] ?? '';
  return timingSafeEqual(digest(presented), digest(token)) && match !== null;
}

/**
 * HTTP edge of the metrics routes: when `METRICS_TOKEN` is configured, requests without
 * `Authorization: Bearer <METRICS_TOKEN>` get 401 with `WWW-Authenticate: Bearer` (H2).
 * The token never appears in the response.
 * @throws UnauthorizedException when the token is missing or wrong
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  constructor(@Inject(METRICS_HTTP_OPTIONS) private readonly options: MetricsHttpOptions) {}

  canActivate(context: ExecutionContext): boolean {
    const token = this.options.token;
    if (token === undefined || token === '') return true;
    const http = context.switchToHttp();
    const header = http.getRequest<HeaderCarrier>().headers.authorization;
    if (bearerTokenMatches(typeof header === 'string' ? header : undefined, token)) return true;
    const response = http.getResponse<HeaderSink>();
    if (typeof response.header === 'function') response.header('WWW-Authenticate', 'Bearer realm="metrics"');
    throw new UnauthorizedException('A valid metrics bearer token is required.');
  }
}
