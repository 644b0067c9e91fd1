import type { AccessPolicy } from '@app/access';
import type { FastifyRequest } from 'fastify';
import type { Deployment } from '../controller-api/controller-api.schemas';
import { DashboardException, DashboardExceptionCode } from '../dashboard.exception';

/** A guild of the logged-in user, from `GET /users/@me/guilds` at login. */
export interface SessionGuild {
  id: string;
  name: string;
  /** Discord permission bitfield as a decimal string. */
  permissions: string;
}

/** What a logged-in dashboard session holds (in Redis); no Discord token is kept. */
export interface SessionLogin {
  user: { id: string; username: string; globalName: string | null };
  guilds: SessionGuild[];
  /** Epoch ms of the login. */
  loggedInAt: number;
}

declare module 'fastify' {
  interface Session {
    /** Set after a successful OAuth2 callback. */
    login?: SessionLogin;
    /** OAuth2 `state` of the login in flight (bound to this session). */
    oauthState?: string;
    /** CSRF secret (@fastify/csrf-protection). */
    _csrf?: string;
    /** The last deploy plan, shown by `GET /guilds/{guildId}/deploy` (Post/Redirect/Get). */
    deployPlan?: { guildId: string; deployment: Deployment };
  }
}

/**
 * Who is looking, and what they may see (H5): bot owners (`BOT_OWNER_IDS`) see every guild; anyone
 * else sees only the guilds where `AccessPolicy.isGuildAdmin` holds (Manage Server or
 * Administrator in the permissions Discord reported at login).
 */
export class Viewer {
  readonly isOwner: boolean;
  /** Guilds this user administers (bot owners: every guild of their own list). */
  readonly manageableGuilds: SessionGuild[];
  private readonly manageable: ReadonlySet<string>;

  constructor(
    readonly login: SessionLogin,
    policy: AccessPolicy,
  ) {
    this.isOwner = policy.isBotOwner(login.user.id);
    this.manageableGuilds = login.guilds.filter((guild) =>
      policy.isGuildAdmin({ userId: login.user.id, guildId: guild.id, guildPermissions: guild.permissions }),
    );
    this.manageable = new Set(this.manageableGuilds.map((guild) => guild.id));
  }

  /** The user's display name. */
  get name(): string {
    return this.login.user.globalName ?? this.login.user.username;
  }

  /** True when this viewer may see (and manage) the guild. */
  canSeeGuild(guildId: string): boolean {
    return this.isOwner || this.manageable.has(guildId);
  }

  /** @throws DashboardException FORBIDDEN when {@link canSeeGuild} is false */
  assertGuild(guildId: string): void {
    if (!this.canSeeGuild(guildId))
      throw new DashboardException(
        DashboardExceptionCode.Forbidden,
        'You need the Manage Server permission in this server to see it.',
      );
  }

  /** @throws DashboardException FORBIDDEN unless a bot owner */
  assertOwner(): void {
    if (!this.isOwner)
      throw new DashboardException(
        DashboardExceptionCode.Forbidden,
        'Only the bot owners can see this page.',
      );
  }

  /** A guild's name as the user's Discord guild list has it, or its id. */
  guildName(guildId: string): string {
    return this.login.guilds.find((guild) => guild.id === guildId)?.name ?? guildId;
  }
}

/**
 * The logged-in viewer of a request.
 * @throws DashboardException UNAUTHENTICATED when the session has no login
 */
export function viewerOf(request: FastifyRequest, policy: AccessPolicy): Viewer {
  const login = request.session?.login;
  if (!login)
    throw new DashboardException(DashboardExceptionCode.Unauthenticated, 'Please log in with Discord.');
  return new Viewer(login, policy);
}
