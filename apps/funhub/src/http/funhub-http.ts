import type { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ChopsticksMetrics } from '@app/metrics';
import {
  API_KEY_HEADER,
  API_KEY_SECURITY_SCHEME,
  RATE_LIMIT_HEADERS,
} from '../api-access/api-access.constants';
import { ApiKeyRing } from '../api-access/api-keys';
import { queryCarriesCredential, redactedRequestUrl } from '../api-access/query-credentials';
import { FunCatalogModule } from '../catalog/fun-catalog.module';
import { FunhubErrorCode } from '../catalog/funhub.exception';
import type { FunhubConfig } from '../config/funhub.config';
import { funhubProblem, PROBLEM_CONTENT_TYPE } from './problem-details.filter';

/** Swagger UI path; the OpenAPI JSON is at `/docs/json`. */
export const FUNHUB_DOCS_PATH = 'docs';
export const FUNHUB_DOCS_JSON_PATH = 'docs/json';

/**
 * Registers what needs the Fastify instance itself, before the app listens (pass as
 * `configure` to `startHttpApp`): the query-key refusal and query redaction, request metrics, the
 * CORS allowlist and the OpenAPI document with Swagger UI at `/docs`.
 */
export function configureFunhubHttp(app: NestFastifyApplication, config: FunhubConfig): void {
  const adapter = app.getHttpAdapter() as FastifyAdapter;
  // The adapter's own request hook runs before every Nest middleware (the request logger
  // included, which records the URL as soon as it sees the request): a refused query-string key
  // never reaches a log line, and the URL the logger sees has no query value left in it. A hook
  // added to the Fastify instance now would run after them.
  adapter.setOnRequestHook(guardQueryString(app.get(ApiKeyRing)));
  const fastify = adapter.getInstance();
  const metrics = app.get(ChopsticksMetrics);
  fastify.addHook('onResponse', (request, reply, done) => {
    const endpoint = endpointOf(request);
    metrics.funhubRequests.inc({ endpoint, outcome: outcomeOf(reply.statusCode) });
    metrics.funhubRequestDuration.observe({ endpoint }, reply.elapsedTime / 1000);
    done();
  });
  const allowed = new Set(config.FUNHUB_CORS_ORIGINS);
  app.enableCors({
    // Exact-match allowlist; a disallowed origin gets no Access-Control-Allow-Origin header.
    origin: (origin: string | undefined, callback: (error: Error | null, allow: boolean) => void) =>
      callback(null, origin !== undefined && allowed.has(origin)),
    methods: ['GET', 'POST'],
    allowedHeaders: ['Content-Type', 'X-Api-Key'],
    exposedHeaders: Object.values(RATE_LIMIT_HEADERS),
    maxAge: 600,
  });
  SwaggerModule.setup(FUNHUB_DOCS_PATH, app, buildFunhubDocument(app), {
    jsonDocumentUrl: FUNHUB_DOCS_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'Chopsticks FunHub API',
  });
}

/** The FunHub's OpenAPI 3 document, generated from the controller and DTOs. */
export function buildFunhubDocument(app: NestFastifyApplication): OpenAPIObject {
  const document = new DocumentBuilder()
    .setTitle('Chopsticks FunHub API')
    .setDescription(
      'Fun text variants (compliments, roasts, riddles, would-you-rather, trivia): catalog, random, render, pack. ' +
        'Authenticate with the `X-Api-Key` header only — a key in the query string is refused with 400. ' +
        'Each key has a rate limit (default 120 requests per minute); every API response carries ' +
        '`RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`, and a 429 carries `Retry-After`. ' +
        'Errors are RFC 9457 `application/problem+json` with a stable `code`.',
    )
    .setVersion('1')
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'FunHub API key' },
      API_KEY_SECURITY_SCHEME,
    )
    .build();
  return SwaggerModule.createDocument(app, document, { include: [FunCatalogModule] });
}

/**
 * The FunHub's first request hook, run before routing to Nest (so before the request logger):
 * - a query string that carries a credential — a parameter named like one (`api_key`,
 *   `x_api_key`, `token`, …) or any name or value equal to a configured API key — is refused with
 *   400 problem+json and the raw URL is cut to its path, so the value is never logged: query
 *   strings end up in proxy logs, browser history and caches;
 * - otherwise every query value in the raw URL is replaced by `[redacted]` (Fastify has already
 *   parsed `request.query`, which handlers read), so no request log line carries query values.
 */
function guardQueryString(
  keys: ApiKeyRing,
): (request: FastifyRequest, reply: FastifyReply, done: () => void) => void {
  return (request, reply, done) => {
    if (!queryCarriesCredential(request.query, keys)) {
      request.raw.url = redactedRequestUrl(request.url, request.query);
      done();
      return;
    }
    request.raw.url = request.url.split('?')[0];
    void reply
      .status(400)
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .send(
        funhubProblem(
          request,
          400,
          FunhubErrorCode.KeyInQuery,
          `API keys are accepted only in the ${API_KEY_HEADER} header, never in the query string. The request was not processed; rotate the key if it was shared.`,
        ),
      );
  };
}

type HttpOutcome = 'success' | 'redirect' | 'client-error' | 'rate-limited' | 'server-error';

function outcomeOf(status: number): HttpOutcome {
  if (status === 429) return 'rate-limited';
  if (status >= 500) return 'server-error';
  if (status >= 400) return 'client-error';
  if (status >= 300) return 'redirect';
  return 'success';
}

type FunhubEndpoint = 'catalog' | 'random' | 'render' | 'pack' | 'docs' | 'other';

function endpointOf(request: FastifyRequest): FunhubEndpoint {
  const route = request.routeOptions.url ?? '';
  const match = /^\/api\/fun\/(catalog|random|render|pack)$/.exec(route);
  if (match) return match[1] as FunhubEndpoint;
  return route.startsWith(`/${FUNHUB_DOCS_PATH}`) ? 'docs' : 'other';
}
