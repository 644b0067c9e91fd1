import { type DynamicModule, Inject, Module, type OnModuleInit } from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AdminApiRateLimiter } from './admin-api-rate-limiter';
import { ADMIN_API_OPTIONS, type AdminApiOptions, PROBLEM_CONTENT_TYPE } from './admin-api.constants';
import { AdminApiErrorCode, AdminApiException } from './admin-api.exception';
import { ApiKeyGuard } from './api-key.guard';
import { AuditEventsReader } from './audit-events.reader';
import { AgentsAdminController } from './controllers/agents.controller';
import { ApiKeysAdminController } from './controllers/api-keys.controller';
import { AuditAdminController } from './controllers/audit.controller';
import { DeploymentsAdminController } from './controllers/deployments.controller';
import { GuildSettingsAdminController } from './controllers/guild-settings.controller';
import { LedgerAdminController } from './controllers/ledger.controller';
import { LiveAgentsAdminController, SessionsAdminController } from './controllers/live.controller';
import { PoolsAdminController } from './controllers/pools.controller';
import { RunnersAdminController } from './controllers/runners.controller';
import { adminApiStatus, problemTitle, problemType } from './problem-details';
import { isAdminApiUrl, ProblemDetailsFilter } from './problem-details.filter';
import { SessionsAdminUseCase } from './sessions-admin.use-case';

/** Every controller of the admin API (the scope test walks their routes). */
export const ADMIN_API_CONTROLLERS = [
  PoolsAdminController,
  AgentsAdminController,
  RunnersAdminController,
  LiveAgentsAdminController,
  SessionsAdminController,
  DeploymentsAdminController,
  GuildSettingsAdminController,
  AuditAdminController,
  LedgerAdminController,
  ApiKeysAdminController,
];

/** The admin API's own injectable classes. */
export const ADMIN_API_PROVIDERS = [
  AdminApiRateLimiter,
  ApiKeyGuard,
  SessionsAdminUseCase,
  AuditEventsReader,
];

/** Options of {@link AdminApiModule.forRoot}. */
export interface AdminApiModuleRootOptions {
  /**
   * The app's module instances that provide what the controllers use: `PoolsModule` (pools,
   * registrations, runners, leases, guild settings, access services, `DataSource`), the
   * `AgentGatewayModule` (live registries, allocator, RPC), the `DeployModule` and the module
   * exporting `LedgerQuery` (`SessionLedgerModule`).
   */
  imports: DynamicModule[];
  options: AdminApiOptions;
}

/**
 * REST admin API `/api/v1` (SPEC §7, issue 8): scoped API keys (`ApiKeyGuard`), DTO validation
 * (whitelist, unknown fields refused), RFC 9457 problem+json errors, per-key rate limits, a
 * request body cap, cursor pagination. Every mutation is audited with the key and request id.
 * Swagger is set up by {@link setupAdminApiDocs} (it needs the application object).
 */
@Module({})
export class AdminApiModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(ADMIN_API_OPTIONS) private readonly options: AdminApiOptions,
  ) {}

  static forRoot(root: AdminApiModuleRootOptions): DynamicModule {
    return {
      module: AdminApiModule,
      imports: root.imports,
      controllers: ADMIN_API_CONTROLLERS,
      providers: [
        { provide: ADMIN_API_OPTIONS, useValue: root.options },
        ...ADMIN_API_PROVIDERS,
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
    };
  }

  /**
   * Marks every admin API answer `Cache-Control: no-store`, refuses a body that is not JSON (415)
   * and bodies above `bodyLimitBytes` (413): by Content-Length before they are read, and by the
   * bytes actually received for chunked bodies (Fastify's own limit is the app-wide one).
   */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || typeof fastify.addHook !== 'function') return;
    const limit = this.options.bodyLimitBytes;
    fastify.addHook('onRequest', (request, reply, done) => {
      if (!isAdminApiUrl(request.url)) {
        done();
        return;
      }
      // Answers can carry a credential shown once (new API keys, runner secrets): never cached.
      void reply.header('cache-control', 'no-store');
      const length = Number(request.headers['content-length'] ?? 0);
      const hasBody = length > 0 || request.headers['transfer-encoding'] !== undefined;
      if (length > limit) {
        sendProblem(request, reply, AdminApiErrorCode.PayloadTooLarge, tooLarge(limit));
        return;
      }
      if (hasBody && !JSON_MEDIA_TYPE.test(request.headers['content-type'] ?? '')) {
        sendProblem(
          request,
          reply,
          AdminApiErrorCode.UnsupportedMediaType,
          'Request bodies must be application/json.',
        );
        return;
      }
      done();
    });
    fastify.addHook('preParsing', (request, _reply, payload, done) => {
      if (!isAdminApiUrl(request.url)) {
        done(null, payload);
        return;
      }
      let received = 0;
      const counted = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          received += chunk.length;
          if (received > limit)
            callback(new AdminApiException(AdminApiErrorCode.PayloadTooLarge, tooLarge(limit)));
          else callback(null, chunk);
        },
      });
      payload.on('error', (error) => counted.destroy(error));
      done(null, payload.pipe(counted));
    });
  }
}

/** `application/json` or a `+json` type, with or without parameters. */
const JSON_MEDIA_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

function tooLarge(limit: number): string {
  return `The request body is larger than ${limit} bytes.`;
}

/** Answers from a Fastify hook (before Nest's filters run) with a problem+json of `code`. */
function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  code: AdminApiErrorCode,
  detail: string,
): void {
  const status = adminApiStatus(code);
  void reply
    .code(status)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .header('connection', 'close')
    .send({
      type: problemType(code),
      title: problemTitle(code),
      status,
      detail,
      instance: request.url.split('?')[0],
      code,
      requestId: String(request.id),
    });
}
