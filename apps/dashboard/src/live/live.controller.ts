import { Controller, Inject, MessageEvent, Query, Req, Sse } from '@nestjs/common';
import { AccessPolicy } from '@app/access';
import type { FastifyRequest } from 'fastify';
import { catchError, exhaustMap, from, map, type Observable, of, takeWhile, timer } from 'rxjs';
import { viewerOf } from '../auth/viewer';
import type { DashboardConfig } from '../config/dashboard.config';
import { DASHBOARD_CONFIG } from '../dashboard.constants';
import { DashboardException, DashboardExceptionCode } from '../dashboard.exception';
import { LiveStateService } from './live-state.service';

/**
 * `GET /live/events[?guild=<id>]`: Server-Sent Events (`text/event-stream`, WHATWG HTML §9.2)
 * with an `event: snapshot` (a {@link LiveSnapshot} as JSON) right away and every
 * `DASHBOARD_LIVE_INTERVAL_MS`, filtered to what the viewer may see; `event: problem` with a
 * user-facing message while the controller cannot be read. 401 without a login, 403 for a guild
 * the viewer does not manage. Before each snapshot the session is looked up in its store again:
 * after logout (or expiry) the stream ends.
 */
@Controller('live')
export class LiveController {
  constructor(
    private readonly policy: AccessPolicy,
    private readonly live: LiveStateService,
    @Inject(DASHBOARD_CONFIG) private readonly config: DashboardConfig,
  ) {}

  @Sse('events')
  events(@Req() request: FastifyRequest, @Query('guild') guild?: string): Observable<MessageEvent> {
    const viewer = viewerOf(request, this.policy);
    if (guild !== undefined) {
      if (!/^\d{17,20}$/.test(guild))
        throw new DashboardException(DashboardExceptionCode.InvalidInput, 'guild must be a Discord id.');
      viewer.assertGuild(guild);
    }
    return timer(0, this.config.DASHBOARD_LIVE_INTERVAL_MS).pipe(
      exhaustMap(() => from(stillLoggedIn(request))),
      takeWhile(Boolean),
      exhaustMap(() =>
        from(this.live.snapshot(viewer, guild)).pipe(
          map((snapshot): MessageEvent => ({ type: 'snapshot', data: snapshot })),
          catchError((error: unknown) =>
            of<MessageEvent>({
              type: 'problem',
              data: {
                message:
                  error instanceof DashboardException
                    ? error.message
                    : 'The live view is unavailable right now.',
              },
            }),
          ),
        ),
      ),
    );
  }
}

/** True while the request's session still holds a login in the session store. */
function stillLoggedIn(request: FastifyRequest): Promise<boolean> {
  return new Promise((resolve) => {
    request.sessionStore.get(request.session.sessionId, (error, stored) => {
      resolve(!error && Boolean((stored as { login?: unknown } | null | undefined)?.login));
    });
  });
}
