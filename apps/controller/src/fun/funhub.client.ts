import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import CircuitBreaker from 'opossum';
import { z } from 'zod';
import type { FunhubClientOptions } from './fun.config';
import { FUNHUB_BREAKER, FUNHUB_CLIENT_OPTIONS } from './fun.constants';
import { FunErrorCode, FunException } from './fun.exception';

/** What `/fun` asks FunHub to render. */
export interface FunRenderRequest {
  category: 'compliment' | 'roast' | 'riddle' | 'would-you-rather';
  target?: string;
  actor?: string;
  intensity?: number;
}

/** The part of FunHub's `POST /api/fun/render` answer the command uses (validated). */
const renderedSchema = z.object({
  id: z.string(),
  category: z.string(),
  text: z.string().min(1).max(2000),
  answer: z.string().max(500).optional(),
  options: z.tuple([z.string().max(500), z.string().max(500)]).optional(),
});

/** A rendered fun text. */
export type FunRendered = z.output<typeof renderedSchema>;

/**
 * HTTP client of the FunHub (SPEC §7: the controller's `/fun` is its first consumer). Sends the
 * key in `X-Api-Key` (never in the URL), gives up after `FUNHUB_TIMEOUT_MS`, and runs calls
 * through an opossum breaker ({@link FUNHUB_BREAKER}) so that while FunHub is down `/fun`
 * answers at once instead of waiting out the timeout for every user. Only unavailability
 * (connection error, timeout, 5xx) counts towards the breaker.
 */
@Injectable()
export class FunhubClient implements OnApplicationShutdown {
  private readonly logger = new Logger(FunhubClient.name);
  private readonly breaker: CircuitBreaker<[() => Promise<FunRendered>], FunRendered>;

  constructor(@Inject(FUNHUB_CLIENT_OPTIONS) private readonly options: FunhubClientOptions) {
    this.breaker = new CircuitBreaker<[() => Promise<FunRendered>], FunRendered>((call) => call(), {
      name: 'funhub',
      timeout: false,
      ...FUNHUB_BREAKER,
      errorFilter: (error: unknown) => !(error instanceof FunException && error.transport),
    });
    this.breaker.on('open', () =>
      this.logger.warn('FunHub keeps failing; /fun answers "unavailable" for a while.'),
    );
    this.breaker.on('close', () => this.logger.log('FunHub answers again.'));
  }

  /** True when both `FUNHUB_URL` and `FUNHUB_API_KEY` are set. */
  get configured(): boolean {
    return Boolean(this.options.url && this.options.apiKey);
  }

  /**
   * Renders a random variant of the category with the given names (markdown-escaped by FunHub).
   * @throws FunException `not-configured`, `unavailable` (also while the breaker is open),
   *   `key-rejected`, `rate-limited` (with FunHub's Retry-After) or `bad-response`
   */
  async render(request: FunRenderRequest): Promise<FunRendered> {
    if (!this.configured) {
      throw new FunException(FunErrorCode.NotConfigured, 'FUNHUB_URL or FUNHUB_API_KEY is not set');
    }
    try {
      return await this.breaker.fire(() => this.post(request));
    } catch (error) {
      if (error instanceof FunException) throw error;
      // opossum rejects with its own error while open ("Breaker is open").
      throw new FunException(
        FunErrorCode.Unavailable,
        error instanceof Error ? error.message : String(error),
      );
    }
  }

  onApplicationShutdown(): void {
    this.breaker.shutdown();
  }

  private async post(request: FunRenderRequest): Promise<FunRendered> {
    let response: Response;
    try {
      response = await fetch(`${this.options.url!.replace(/\/+$/, '')}/api/fun/render`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': this.options.apiKey! },
        body: JSON.stringify({ ...request, format: 'markdown' }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'unreachable';
      throw new FunException(FunErrorCode.Unavailable, `FunHub ${reason}`);
    }
    const body: unknown = await response.json().catch(() => null);
    if (response.status === 200) {
      const parsed = renderedSchema.safeParse(body);
      if (parsed.success) return parsed.data;
      throw new FunException(FunErrorCode.BadResponse, 'FunHub answered 200 with an unexpected body');
    }
    if (response.status === 401)
      throw new FunException(FunErrorCode.KeyRejected, 'FunHub refused the API key');
    if (response.status === 429) {
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new FunException(
        FunErrorCode.RateLimited,
        'FunHub rate limit reached',
        Number.isFinite(retryAfter) && retryAfter > 0 ? Math.ceil(retryAfter) : 60,
      );
    }
    if (response.status >= 500)
      throw new FunException(FunErrorCode.Unavailable, `FunHub answered ${response.status}`);
    throw new FunException(FunErrorCode.BadResponse, `FunHub answered ${response.status}`);
  }
}
