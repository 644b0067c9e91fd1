import { ChannelType, InteractionType } from './discord-sandbox.constants';
import { DiscordApiError } from './discord-sandbox.exception';
import { DiscordInteractions, type InteractionRecord } from './discord-interactions';
import { DiscordStore, type MessageRecord } from './discord-store';

describe(DiscordInteractions.name, () => {
  let now: number;
  let store: DiscordStore;
  let sut: DiscordInteractions;
  const dispatched: Record<string, unknown>[] = [];
  const created: MessageRecord[] = [];

  const apiError = (fn: () => unknown): DiscordApiError => {
    try {
      fn();
    } catch (error) {
      if (error instanceof DiscordApiError) return error;
      throw error;
    }
    throw new Error('expected a DiscordApiError');
  };

  let interaction: InteractionRecord;

  beforeEach(() => {
    now = 1_700_000_000_000;
    store = new DiscordStore();
    sut = new DiscordInteractions(
      store,
      {
        dispatchInteraction: (_app, payload) => dispatched.push(payload),
        messageCreated: (m) => created.push(m),
        messageUpdated: () => undefined,
        messageDeleted: () => undefined,
      },
      3000,
      () => now,
    );
    const bot = {
      id: store.snowflakes.next(),
      username: 'bot',
      globalName: null,
      bot: true,
      locale: 'en-US',
      email: null,
    };
    const user = {
      id: store.snowflakes.next(),
      username: 'alice',
      globalName: 'Alice',
      bot: false,
      locale: 'fr',
      email: null,
    };
    store.users.set(bot.id, bot);
    store.users.set(user.id, user);
    const app = {
      id: bot.id,
      name: 'App',
      botUserId: bot.id,
      token: 't',
      clientSecret: 's',
      flags: 0,
      redirectUris: [],
      ownerId: null,
    };
    store.applications.set(app.id, app);
    const guild = store.createGuild('G', user.id);
    guild.members.set(user.id, {
      userId: user.id,
      roles: [],
      nick: null,
      joinedAt: new Date(now).toISOString(),
    });
    guild.members.set(bot.id, {
      userId: bot.id,
      roles: [],
      nick: null,
      joinedAt: new Date(now).toISOString(),
    });
    const channel = store.createChannel({
      type: ChannelType.GuildText,
      guildId: guild.id,
      name: 'general',
      position: 0,
      parentId: null,
      recipientIds: [],
    });
    interaction = sut.create({
      type: InteractionType.ApplicationCommand,
      app,
      user,
      channel,
      data: { id: '1', name: 'ping', type: 1 },
    });
  });

  afterEach(() => {
    sut.close();
    dispatched.length = 0;
    created.length = 0;
  });

  it('dispatches INTERACTION_CREATE with the fields discord.js reads', () => {
    expect(dispatched[0]).toMatchObject({
      id: interaction.id,
      type: 2,
      token: interaction.token,
      version: 1,
      entitlements: [],
      locale: 'fr',
      guild_locale: 'en-US',
      context: 0,
      app_permissions: expect.stringMatching(/^\d+$/),
      member: { user: { username: 'alice' }, permissions: expect.any(String) },
      channel: { name: 'general' },
    });
  });

  it('answers 10062 once the 3 s deadline passed without a response', () => {
    now += 3001;

    const error = apiError(() =>
      sut.callback(interaction.id, interaction.token, { type: 4, data: { content: 'late' } }, false),
    );

    expect(error.toBody()).toEqual({ code: 10062, message: 'Unknown interaction' });
    expect(sut.result(interaction).error).toBe('no-ack-within-deadline');
  });

  it('answers 40060 to a second acknowledgement', () => {
    sut.callback(interaction.id, interaction.token, { type: 5 }, false);

    const error = apiError(() =>
      sut.callback(interaction.id, interaction.token, { type: 4, data: { content: 'again' } }, false),
    );

    expect(error.status).toBe(400);
    expect(error.code).toBe(40060);
  });

  it('returns the interaction callback response with with_response=true', () => {
    const body = sut.callback(interaction.id, interaction.token, { type: 5, data: { flags: 64 } }, true);

    expect(body).toMatchObject({
      interaction: {
        id: interaction.id,
        type: 2,
        response_message_loading: true,
        response_message_ephemeral: true,
      },
      resource: { type: 5, message: { flags: 64 | 128 } },
    });
  });

  it('rejects webhook use before the initial response (10015) and after 15 minutes (50027)', () => {
    expect(apiError(() => sut.followUp(interaction.app.id, interaction.token, { content: 'x' })).code).toBe(
      10015,
    );
    sut.callback(interaction.id, interaction.token, { type: 4, data: { content: 'hi' } }, false);
    now += 15 * 60 * 1000 + 1;

    expect(
      apiError(() =>
        sut.editMessage(interaction.app.id, interaction.token, '@original', { content: 'x' }),
      ).toBody(),
    ).toEqual({
      code: 50027,
      message: 'Invalid Webhook Token',
    });
  });

  it('completes a deferred reply with the first follow-up instead of posting a new message', () => {
    sut.callback(interaction.id, interaction.token, { type: 5 }, false);

    sut.followUp(interaction.app.id, interaction.token, { content: 'done' });

    expect(created).toHaveLength(1);
    expect(sut.result(interaction)).toMatchObject({
      original: { content: 'done', loading: false },
      followUps: [],
    });
  });

  it('rejects an update callback (type 7) for a slash command', () => {
    expect(
      apiError(() =>
        sut.callback(interaction.id, interaction.token, { type: 7, data: { content: 'x' } }, false),
      ).code,
    ).toBe(50035);
  });
});
