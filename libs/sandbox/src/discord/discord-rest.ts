import {
  validateCommand,
  validateCommandList,
  type ApplicationCommand,
  type CommandInput,
} from './application-commands';
import type { DiscordCore, OAuthGrant } from './discord-core';
import { readMessageBody } from './discord-interactions';
import { Router } from './discord-router';
import { ChannelType, JsonErrorCode, MessageFlag, Permission } from './discord-sandbox.constants';
import { DiscordApiError } from './discord-sandbox.exception';
import type { ApplicationRecord, ChannelRecord, GuildRecord } from './discord-store';

/** Who made a REST request. */
export type RestAuth =
  | { kind: 'bot'; app: ApplicationRecord }
  | { kind: 'bearer'; grant: OAuthGrant }
  | { kind: 'none' };

/** A parsed REST request. */
export interface RestRequest {
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  auth: RestAuth;
}

/** A REST response: status and JSON body (undefined for 204). */
export interface RestResponse {
  status: number;
  body?: unknown;
}

type AuthRule = 'bot' | 'bearer' | 'bot-or-bearer' | 'none';

interface RouteDef {
  auth: AuthRule;
  /** Interaction endpoints are exempt from the global rate limit (Topics › Rate Limits). */
  exemptGlobal?: boolean;
  handler: (req: RestRequest) => RestResponse;
}

const ok = (body: unknown, status = 200): RestResponse => ({ status, body });
const noContent = (): RestResponse => ({ status: 204 });

function botApp(req: RestRequest): ApplicationRecord {
  if (req.auth.kind !== 'bot') throw DiscordApiError.unauthorized();
  return req.auth.app;
}

/**
 * REST API v10 — routes of the Discord developer docs (Resources › User, Application, Channel,
 * Message, Guild; Interactions › Application Commands and Receiving and Responding; Topics ›
 * Gateway › Get Gateway Bot). Paths are relative to `/api/v10`.
 */
export class DiscordRest {
  readonly router = new Router<RouteDef>();

  constructor(
    private readonly core: DiscordCore,
    private readonly gatewayUrl: () => string,
  ) {
    this.routes();
  }

  /** Top-level resource of a path for per-route buckets — Topics › Rate Limits (channel, guild, webhook). */
  static majorParameter(params: Record<string, string>): string {
    if (params.channel_id) return `c${params.channel_id}`;
    if (params.guild_id) return `g${params.guild_id}`;
    if (params.webhook_id) return `w${params.webhook_id}:${params.webhook_token ?? ''}`;
    if (params.interaction_id) return `i${params.interaction_id}`;
    return '';
  }

  private get store() {
    return this.core.store;
  }

  private guildForBot(app: ApplicationRecord, guildId: string): GuildRecord {
    const guild = this.store.requireGuild(guildId);
    if (!guild.members.has(app.botUserId)) throw DiscordApiError.unknown(JsonErrorCode.UnknownGuild, 'Guild');
    return guild;
  }

  private channelForBot(app: ApplicationRecord, channelId: string): ChannelRecord {
    const channel = this.store.requireChannel(channelId);
    if (!this.store.canAccessChannel(app.botUserId, channel)) throw DiscordApiError.missingAccess();
    return channel;
  }

  private ownApp(req: RestRequest): ApplicationRecord {
    const app = botApp(req);
    if (req.params.application_id !== app.id) throw DiscordApiError.missingAccess();
    return app;
  }

  private commandScope(req: RestRequest, app: ApplicationRecord): string {
    if (!req.params.guild_id) return 'global';
    this.guildForBot(app, req.params.guild_id);
    return req.params.guild_id;
  }

  private materialise(
    app: ApplicationRecord,
    scope: string,
    input: CommandInput,
    existing?: ApplicationCommand,
  ): ApplicationCommand {
    return {
      ...input,
      id: existing?.id ?? this.store.snowflakes.next(),
      application_id: app.id,
      version: this.store.snowflakes.next(),
      ...(scope === 'global' ? {} : { guild_id: scope }),
    };
  }

  private routes(): void {
    const r = this.router;
    const add = (method: string, path: string, def: RouteDef) => r.add(method, path, def);

    // Topics › Gateway › Get Gateway / Get Gateway Bot.
    add('GET', '/gateway', { auth: 'none', handler: () => ok({ url: this.gatewayUrl() }) });
    add('GET', '/gateway/bot', {
      auth: 'bot',
      handler: (req) =>
        ok({
          url: this.gatewayUrl(),
          shards: 1,
          session_start_limit: {
            total: 1000,
            remaining: this.core.gateway.sessionStartRemaining(botApp(req).id),
            reset_after: 86400000,
            max_concurrency: 1,
          },
        }),
    });

    // Resources › User.
    add('GET', '/users/@me', {
      auth: 'bot-or-bearer',
      handler: (req) => {
        if (req.auth.kind === 'bearer') {
          const { grant } = req.auth;
          if (!grant.scopes.includes('identify') && !grant.scopes.includes('email'))
            throw DiscordApiError.unauthorized();
          return ok(
            this.store.userJson(this.store.requireUser(grant.userId), grant.scopes.includes('email')),
          );
        }
        const bot = this.store.requireUser(botApp(req).botUserId);
        return ok({
          ...this.store.userJson(bot),
          verified: true,
          mfa_enabled: false,
          locale: 'en-US',
          email: null,
          flags: 0,
        });
      },
    });
    add('GET', '/users/@me/guilds', {
      auth: 'bot-or-bearer',
      handler: (req) => {
        const userId = req.auth.kind === 'bearer' ? req.auth.grant.userId : botApp(req).botUserId;
        if (req.auth.kind === 'bearer' && !req.auth.grant.scopes.includes('guilds'))
          throw DiscordApiError.unauthorized();
        // Partial guilds with `owner` and `permissions` (string) — Resources › User › Get Current User Guilds.
        return ok(
          this.store.guildsOf(userId).map((g) => ({
            id: g.id,
            name: g.name,
            icon: null,
            banner: null,
            owner: g.ownerId === userId,
            permissions: this.store.permissionsOf(g, userId).toString(),
            features: [],
            ...(req.query.get('with_counts') === 'true'
              ? { approximate_member_count: g.members.size, approximate_presence_count: 0 }
              : {}),
          })),
        );
      },
    });
    // Topics › OAuth2 › Get Current Authorization Information.
    add('GET', '/oauth2/@me', {
      auth: 'bearer',
      handler: (req) => {
        if (req.auth.kind !== 'bearer') throw DiscordApiError.unauthorized();
        const { grant } = req.auth;
        const app = this.store.applications.get(grant.appId);
        return ok({
          application: app
            ? {
                id: app.id,
                name: app.name,
                icon: null,
                description: '',
                bot_public: true,
                bot_require_code_grant: false,
                verify_key: app.id.padEnd(64, '0'),
                flags: app.flags,
              }
            : null,
          scopes: grant.scopes,
          expires: new Date(grant.expiresAt).toISOString(),
          ...(grant.scopes.includes('identify')
            ? { user: this.store.userJson(this.store.requireUser(grant.userId)) }
            : {}),
        });
      },
    });
    add('GET', '/users/@me/guilds/:guild_id/member', {
      auth: 'bearer',
      handler: (req) => {
        if (req.auth.kind !== 'bearer') throw DiscordApiError.unauthorized();
        const guild = this.store.requireGuild(req.params.guild_id);
        const member = guild.members.get(req.auth.grant.userId);
        if (!member) throw DiscordApiError.unknown(JsonErrorCode.UnknownGuild, 'Guild');
        return ok(this.store.memberJson(guild, member));
      },
    });
    add('DELETE', '/users/@me/guilds/:guild_id', {
      auth: 'bot',
      handler: (req) => {
        const app = botApp(req);
        const guild = this.guildForBot(app, req.params.guild_id);
        if (guild.ownerId === app.botUserId) throw DiscordApiError.invalidFormBody({});
        this.core.removeMember(guild, app.botUserId);
        return noContent();
      },
    });
    add('POST', '/users/@me/channels', {
      auth: 'bot',
      handler: (req) => {
        const app = botApp(req);
        const body = (req.body ?? {}) as { recipient_id?: unknown };
        if (typeof body.recipient_id !== 'string') {
          throw DiscordApiError.invalidFormBody({
            recipient_id: { _errors: [{ code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }] },
          });
        }
        this.store.requireUser(body.recipient_id);
        return ok(
          this.store.channelJson(this.store.dmChannel(app.botUserId, body.recipient_id), app.botUserId),
        );
      },
    });
    add('GET', '/users/:user_id', {
      auth: 'bot',
      handler: (req) => ok(this.store.userJson(this.store.requireUser(req.params.user_id))),
    });

    // Resources › Application › Get Current Application.
    add('GET', '/applications/@me', {
      auth: 'bot',
      handler: (req) => {
        const app = botApp(req);
        const bot = this.store.requireUser(app.botUserId);
        return ok({
          id: app.id,
          name: app.name,
          icon: null,
          description: '',
          summary: '',
          type: null,
          bot_public: true,
          bot_require_code_grant: false,
          verify_key: app.id.padEnd(64, '0'),
          flags: app.flags,
          bot: this.store.userJson(bot),
          owner: app.ownerId
            ? this.store.userJson(this.store.requireUser(app.ownerId))
            : this.store.userJson(bot),
          team: null,
          redirect_uris: app.redirectUris,
          interactions_endpoint_url: null,
          approximate_guild_count: this.store.guildsOf(app.botUserId).length,
          integration_types_config: { '0': {} },
          hook: true,
          tags: [],
        });
      },
    });

    // Interactions › Application Commands: global and guild command endpoints.
    for (const base of [
      '/applications/:application_id/commands',
      '/applications/:application_id/guilds/:guild_id/commands',
    ]) {
      add('GET', base, {
        auth: 'bot',
        handler: (req) => {
          const app = this.ownApp(req);
          return ok(this.core.commandList(app.id, this.commandScope(req, app)));
        },
      });
      add('PUT', base, {
        auth: 'bot',
        handler: (req) => {
          const app = this.ownApp(req);
          const scope = this.commandScope(req, app);
          const inputs = validateCommandList(req.body);
          const list = this.core.commandList(app.id, scope);
          const next = inputs.map((input) =>
            this.materialise(
              app,
              scope,
              input,
              list.find((c) => c.name === input.name && c.type === input.type),
            ),
          );
          list.splice(0, list.length, ...next);
          return ok(next);
        },
      });
      add('POST', base, {
        auth: 'bot',
        handler: (req) => {
          const app = this.ownApp(req);
          const scope = this.commandScope(req, app);
          const result = validateCommand(req.body);
          if ('errors' in result) throw DiscordApiError.invalidFormBody(result.errors);
          const list = this.core.commandList(app.id, scope);
          const index = list.findIndex(
            (c) => c.name === result.command.name && c.type === result.command.type,
          );
          const command = this.materialise(app, scope, result.command, list[index]);
          if (index >= 0) list[index] = command;
          else list.push(command);
          return ok(command, index >= 0 ? 200 : 201);
        },
      });
      add('GET', `${base}/:command_id`, {
        auth: 'bot',
        handler: (req) => ok(this.findCommand(req)),
      });
      add('PATCH', `${base}/:command_id`, {
        auth: 'bot',
        handler: (req) => {
          const existing = this.findCommand(req);
          const app = this.ownApp(req);
          const result = validateCommand({ ...existing, ...(req.body as object) });
          if ('errors' in result) throw DiscordApiError.invalidFormBody(result.errors);
          Object.assign(
            existing,
            this.materialise(app, this.commandScope(req, app), result.command, existing),
          );
          return ok(existing);
        },
      });
      add('DELETE', `${base}/:command_id`, {
        auth: 'bot',
        handler: (req) => {
          const command = this.findCommand(req);
          const app = this.ownApp(req);
          const list = this.core.commandList(app.id, this.commandScope(req, app));
          list.splice(list.indexOf(command), 1);
          return noContent();
        },
      });
    }

    // Interactions › Receiving and Responding › Create Interaction Response.
    add('POST', '/interactions/:interaction_id/:interaction_token/callback', {
      auth: 'none',
      exemptGlobal: true,
      handler: (req) => {
        const body = this.core.interactions.callback(
          req.params.interaction_id,
          req.params.interaction_token,
          req.body,
          req.query.get('with_response') === 'true',
        );
        return body ? ok(body) : noContent();
      },
    });
    // Interaction webhooks: follow-ups and original response.
    add('POST', '/webhooks/:webhook_id/:webhook_token', {
      auth: 'none',
      exemptGlobal: true,
      handler: (req) =>
        ok(this.core.interactions.followUp(req.params.webhook_id, req.params.webhook_token, req.body)),
    });
    add('GET', '/webhooks/:webhook_id/:webhook_token/messages/:message_id', {
      auth: 'none',
      exemptGlobal: true,
      handler: (req) =>
        ok(
          this.core.interactions.getMessage(
            req.params.webhook_id,
            req.params.webhook_token,
            req.params.message_id,
          ),
        ),
    });
    add('PATCH', '/webhooks/:webhook_id/:webhook_token/messages/:message_id', {
      auth: 'none',
      exemptGlobal: true,
      handler: (req) =>
        ok(
          this.core.interactions.editMessage(
            req.params.webhook_id,
            req.params.webhook_token,
            req.params.message_id,
            req.body,
          ),
        ),
    });
    add('DELETE', '/webhooks/:webhook_id/:webhook_token/messages/:message_id', {
      auth: 'none',
      exemptGlobal: true,
      handler: (req) => {
        this.core.interactions.deleteMessage(
          req.params.webhook_id,
          req.params.webhook_token,
          req.params.message_id,
        );
        return noContent();
      },
    });

    // Resources › Channel and Message.
    add('GET', '/channels/:channel_id', {
      auth: 'bot',
      handler: (req) => {
        const app = botApp(req);
        return ok(this.store.channelJson(this.channelForBot(app, req.params.channel_id), app.botUserId));
      },
    });
    add('GET', '/channels/:channel_id/messages', {
      auth: 'bot',
      handler: (req) => {
        const channel = this.channelForBot(botApp(req), req.params.channel_id);
        const limit = Number(req.query.get('limit') ?? 50);
        if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
          throw DiscordApiError.invalidFormBody({
            limit: {
              _errors: [
                { code: 'NUMBER_TYPE_MAX', message: 'int value should be less than or equal to 100.' },
              ],
            },
          });
        }
        const before = req.query.get('before');
        const after = req.query.get('after');
        let list = (this.store.messages.get(channel.id) ?? []).filter(
          (m) => !m.deleted && (m.flags & MessageFlag.Ephemeral) === 0,
        );
        if (before) list = list.filter((m) => BigInt(m.id) < BigInt(before));
        if (after) list = list.filter((m) => BigInt(m.id) > BigInt(after));
        const newestFirst = [...list].reverse();
        const page = after ? newestFirst.slice(-limit) : newestFirst.slice(0, limit);
        return ok(page.map((m) => this.store.messageJson(m)));
      },
    });
    add('POST', '/channels/:channel_id/messages', {
      auth: 'bot',
      handler: (req) => {
        const app = botApp(req);
        const channel = this.channelForBot(app, req.params.channel_id);
        if (channel.guildId) {
          const guild = this.store.requireGuild(channel.guildId);
          const perms = this.store.permissionsOf(guild, app.botUserId);
          if ((perms & Permission.SendMessages) === 0n || (perms & Permission.ViewChannel) === 0n) {
            throw DiscordApiError.missingPermissions();
          }
          if (channel.type === ChannelType.GuildCategory) {
            throw new DiscordApiError(400, 50008, 'Cannot send messages in a non-text channel');
          }
        } else {
          const other = channel.recipientIds.find((id) => id !== app.botUserId);
          const shared = other ? this.store.guildsOf(other).some((g) => g.members.has(app.botUserId)) : false;
          if (!shared) {
            throw new DiscordApiError(
              403,
              JsonErrorCode.CannotSendMessagesToUser,
              'Cannot send messages to this user',
            );
          }
        }
        const body = readMessageBody(req.body, true);
        const message = this.core.postMessage(channel, app.botUserId, {
          ...body,
          flags: (body.flags ?? 0) & ~MessageFlag.Ephemeral,
        });
        return ok(this.store.messageJson(message));
      },
    });
    add('GET', '/channels/:channel_id/messages/:message_id', {
      auth: 'bot',
      handler: (req) => {
        this.channelForBot(botApp(req), req.params.channel_id);
        const message = this.store.findMessage(req.params.message_id);
        if (!message || message.channelId !== req.params.channel_id)
          throw DiscordApiError.unknown(JsonErrorCode.UnknownMessage, 'Message');
        return ok(this.store.messageJson(message));
      },
    });
    add('PATCH', '/channels/:channel_id/messages/:message_id', {
      auth: 'bot',
      handler: (req) => {
        const app = botApp(req);
        this.channelForBot(app, req.params.channel_id);
        const message = this.store.findMessage(req.params.message_id);
        if (!message || message.channelId !== req.params.channel_id)
          throw DiscordApiError.unknown(JsonErrorCode.UnknownMessage, 'Message');
        if (message.authorId !== app.botUserId) {
          throw new DiscordApiError(
            403,
            JsonErrorCode.CannotEditMessageByOtherUser,
            'Cannot edit a message authored by another user',
          );
        }
        this.store.editMessage(message, readMessageBody(req.body, false));
        return ok(this.store.messageJson(message));
      },
    });

    // Resources › Guild.
    add('GET', '/guilds/:guild_id', {
      auth: 'bot',
      handler: (req) => {
        const guild = this.guildForBot(botApp(req), req.params.guild_id);
        const counts =
          req.query.get('with_counts') === 'true'
            ? { approximate_member_count: guild.members.size, approximate_presence_count: 0 }
            : {};
        return ok({ ...this.store.guildJson(guild), ...counts });
      },
    });
    add('GET', '/guilds/:guild_id/channels', {
      auth: 'bot',
      handler: (req) =>
        ok(
          this.store
            .guildChannels(this.guildForBot(botApp(req), req.params.guild_id))
            .map((c) => this.store.channelJson(c)),
        ),
    });
    add('GET', '/guilds/:guild_id/roles', {
      auth: 'bot',
      handler: (req) =>
        ok(
          [...this.guildForBot(botApp(req), req.params.guild_id).roles.values()].map((role) =>
            this.store.roleJson(role),
          ),
        ),
    });
    add('GET', '/guilds/:guild_id/members', {
      auth: 'bot',
      handler: (req) => {
        const guild = this.guildForBot(botApp(req), req.params.guild_id);
        const limit = Number(req.query.get('limit') ?? 1);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
          throw DiscordApiError.invalidFormBody({
            limit: {
              _errors: [
                { code: 'NUMBER_TYPE_MAX', message: 'int value should be less than or equal to 1000.' },
              ],
            },
          });
        }
        const after = BigInt(req.query.get('after') ?? '0');
        const members = [...guild.members.values()]
          .filter((m) => BigInt(m.userId) > after)
          .sort((a, b) => (BigInt(a.userId) < BigInt(b.userId) ? -1 : 1))
          .slice(0, limit);
        return ok(members.map((m) => this.store.memberJson(guild, m)));
      },
    });
    add('GET', '/guilds/:guild_id/members/:user_id', {
      auth: 'bot',
      handler: (req) => {
        const guild = this.guildForBot(botApp(req), req.params.guild_id);
        const member = guild.members.get(req.params.user_id);
        if (!member) throw DiscordApiError.unknown(JsonErrorCode.UnknownMember, 'Member');
        return ok(this.store.memberJson(guild, member));
      },
    });
    add('GET', '/guilds/:guild_id/voice-states/:user_id', {
      auth: 'bot',
      handler: (req) => {
        const app = botApp(req);
        const guild = this.guildForBot(app, req.params.guild_id);
        const userId = req.params.user_id === '@me' ? app.botUserId : req.params.user_id;
        const state = guild.voiceStates.get(userId);
        if (!state) throw DiscordApiError.unknown(10065, 'Voice State');
        return ok(this.store.voiceStateJson(guild, state));
      },
    });
  }

  private findCommand(req: RestRequest): ApplicationCommand {
    const app = this.ownApp(req);
    const command = this.core
      .commandList(app.id, this.commandScope(req, app))
      .find((c) => c.id === req.params.command_id);
    if (!command)
      throw DiscordApiError.unknown(JsonErrorCode.UnknownApplicationCommand, 'application command');
    return command;
  }
}
