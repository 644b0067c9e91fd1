import { setTimeout as sleep } from 'node:timers/promises';
import {
  ActionRowBuilder,
  ApplicationCommandOptionType,
  ButtonBuilder,
  ButtonStyle,
  type ChatInputApplicationCommandData,
  DiscordAPIError,
  Events,
  InteractionResponseType,
  MessageFlags,
  ModalBuilder,
  TextInputBuilder,
  TextInputStyle,
  Routes,
  type Client,
  type Interaction,
} from 'discord.js';
import { DiscordSandbox } from '../../src/discord';
import { createWorld, loginReady, sandboxClient, type SandboxWorld } from './discord-fixtures';

const commands: ChatInputApplicationCommandData[] = [
  { name: 'ping', description: 'Replies with pong' },
  { name: 'slow', description: 'Replies too late' },
  { name: 'twice', description: 'Acknowledges twice' },
  { name: 'work', description: 'Defers, works, edits' },
  { name: 'panel', description: 'Shows a button' },
  { name: 'secret', description: 'Ephemeral reply and a follow-up' },
  {
    name: 'music',
    description: 'Music controls',
    options: [
      {
        type: ApplicationCommandOptionType.SubcommandGroup,
        name: 'queue',
        description: 'Queue',
        options: [
          {
            type: ApplicationCommandOptionType.Subcommand,
            name: 'add',
            description: 'Add a track',
            options: [
              {
                type: ApplicationCommandOptionType.String,
                name: 'query',
                description: 'What to play',
                required: true,
                autocomplete: true,
              },
              { type: ApplicationCommandOptionType.User, name: 'for', description: 'Dedicate to' },
              { type: ApplicationCommandOptionType.Integer, name: 'position', description: 'Where' },
            ],
          },
        ],
      },
    ],
  },
];

describe(DiscordSandbox.name, () => {
  let world: SandboxWorld;
  let sut: Client;
  let channelId: string;
  const errors: unknown[] = [];
  let handler: (interaction: Interaction) => Promise<void>;

  beforeAll(async () => {
    world = await createWorld();
    channelId = world.guild.channels.general;
    sut = sandboxClient(world.sandbox);
    sut.on(Events.InteractionCreate, (interaction) => {
      handler(interaction).catch((error: unknown) => errors.push(error));
    });
    await loginReady(sut, world.app.token);
    await sut.application!.commands.set(commands);
  });

  afterAll(async () => {
    await sut.destroy();
    await world.sandbox.stop();
  });

  beforeEach(() => {
    errors.length = 0;
  });

  const invoke = (name: string, extra: Record<string, unknown> = {}) =>
    world.sandbox.control.invokeSlashCommand({
      applicationId: world.app.applicationId,
      userId: world.userId,
      channelId,
      name,
      ...extra,
    });

  it('registers commands with bulk overwrite and keeps ids on re-registration', async () => {
    const first = world.sandbox.control.listCommands(world.app.applicationId) as {
      id: string;
      name: string;
    }[];
    const again = await sut.application!.commands.set(commands);

    expect(first.map((c) => c.name)).toEqual(commands.map((c) => c.name));
    expect(again.map((c) => c.id).sort()).toEqual(first.map((c) => c.id).sort());
  });

  it('rejects an invalid command name with 50035 Invalid Form Body', async () => {
    const error = await sut
      .application!.commands.create({ name: 'Bad Name', description: 'x' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DiscordAPIError);
    expect(error).toMatchObject({
      code: 50035,
      status: 400,
      rawError: { errors: { name: { _errors: [{ code: 'APPLICATION_COMMAND_INVALID_NAME' }] } } },
    });
  });

  it('delivers a slash command answered within the deadline', async () => {
    handler = async (i) => {
      if (i.isChatInputCommand()) await i.reply(`pong from ${i.guild?.name ?? 'nowhere'}`);
    };

    const result = await invoke('ping');

    expect(result).toMatchObject({
      acknowledged: 'reply',
      ephemeral: false,
      original: { content: 'pong from Test Guild' },
    });
    expect(result.error).toBeUndefined();
    expect(world.sandbox.control.listMessages(channelId).at(-1)).toMatchObject({
      content: 'pong from Test Guild',
      type: 20,
    });
  });

  it('answers 10062 Unknown interaction to a reply after the 3 s deadline', async () => {
    handler = async (i) => {
      if (!i.isChatInputCommand()) return;
      await sleep(3200);
      await i.reply('too late');
    };

    const result = await invoke('slow');
    await sleep(400);

    expect(result).toMatchObject({ acknowledged: null, error: 'no-ack-within-deadline', messages: [] });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(DiscordAPIError);
    expect(errors[0]).toMatchObject({ code: 10062, status: 404 });
  });

  it('answers 40060 to a second acknowledgement', async () => {
    handler = async (i) => {
      if (!i.isChatInputCommand()) return;
      await i.reply('first');
      // discord.js refuses a second reply client-side, so the second ack goes through its REST client.
      await i.client.rest.post(Routes.interactionCallback(i.id, i.token), {
        body: { type: InteractionResponseType.DeferredChannelMessageWithSource },
        auth: false,
      });
    };

    const result = await invoke('twice', { waitFor: { ms: 300 } });

    expect(result.acknowledged).toBe('reply');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 40060, message: 'Interaction has already been acknowledged.' });
  });

  it('B15: a handler that defers then works 4 s completes through editReply without 10062', async () => {
    handler = async (i) => {
      if (!i.isChatInputCommand()) return;
      await i.deferReply();
      await sleep(4000);
      await i.editReply('done after 4 s');
    };

    const result = await invoke('work', { waitFor: 'response' });

    expect(errors).toEqual([]);
    expect(result).toMatchObject({
      acknowledged: 'deferred',
      original: { content: 'done after 4 s', loading: false },
    });
    expect(result.edits.map((e) => e.content)).toEqual(['done after 4 s']);
    expect(result.timings.ackMs).toBeLessThan(3000);
    expect(result.timings.completedMs).toBeGreaterThanOrEqual(4000);
  }, 15000);

  it('passes subcommand group, subcommand, options and resolved users', async () => {
    const { userId: bobId } = world.sandbox.control.createUser({ username: 'bob' });
    world.sandbox.control.addMember(world.guild.guildId, bobId);
    handler = async (i) => {
      if (!i.isChatInputCommand()) return;
      const o = i.options;
      await i.reply(
        `${o.getSubcommandGroup()}/${o.getSubcommand()} ${o.getString('query', true)} for ${o.getUser('for')?.username} at ${o.getInteger('position')}`,
      );
    };

    const result = await invoke('music', {
      subcommandGroup: 'queue',
      subcommand: 'add',
      options: { query: 'lofi', for: bobId, position: 2 },
    });

    expect(result.original?.content).toBe('queue/add lofi for bob at 2');
  });

  it('answers autocomplete with choices', async () => {
    handler = async (i) => {
      if (!i.isAutocomplete()) return;
      const typed = i.options.getFocused();
      await i.respond([{ name: `${typed} radio`, value: `${typed}-radio` }]);
    };

    const result = await world.sandbox.control.invokeAutocomplete({
      applicationId: world.app.applicationId,
      userId: world.userId,
      channelId,
      name: 'music',
      subcommandGroup: 'queue',
      subcommand: 'add',
      focused: 'query',
      options: { query: 'jazz' },
    });

    expect(result).toMatchObject({
      acknowledged: 'autocomplete',
      choices: [{ name: 'jazz radio', value: 'jazz-radio' }],
    });
  });

  it('delivers a button press on the reply and sees the message update', async () => {
    handler = async (i) => {
      if (i.isChatInputCommand()) {
        const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
          new ButtonBuilder().setCustomId('skip').setLabel('Skip').setStyle(ButtonStyle.Primary),
        );
        await i.reply({ content: 'Now playing', components: [row] });
      } else if (i.isButton()) {
        await i.update({ content: `skipped by ${i.user.username}`, components: [] });
      }
    };
    const panel = await invoke('panel');

    const press = await world.sandbox.control.pressButton({
      userId: world.userId,
      messageId: panel.original!.id,
      customId: 'skip',
    });

    expect(press).toMatchObject({
      acknowledged: 'update',
      original: { id: panel.original!.id, content: 'skipped by alice', components: [] },
    });
  });

  it('delivers a slash command in a DM with `user` instead of `member`', async () => {
    handler = async (i) => {
      if (i.isChatInputCommand()) await i.reply(`dm pong, guild=${i.guildId}, member=${i.member === null}`);
    };
    const { channelId: dmChannelId } = world.sandbox.control.openDirectMessage(
      world.userId,
      world.app.botUserId,
    );

    const result = await world.sandbox.control.invokeSlashCommand({
      applicationId: world.app.applicationId,
      userId: world.userId,
      channelId: dmChannelId,
      name: 'ping',
    });

    expect(result.original?.content).toBe('dm pong, guild=null, member=true');
    expect(
      world.sandbox.control.listDirectMessages(world.userId, world.app.botUserId).map((m) => m.content),
    ).toEqual(['dm pong, guild=null, member=true']);
  });

  it('shows a modal and delivers its submission', async () => {
    handler = async (i) => {
      if (i.isChatInputCommand()) {
        const input = new TextInputBuilder()
          .setCustomId('title')
          .setLabel('Title')
          .setStyle(TextInputStyle.Short);
        await i.showModal(
          new ModalBuilder()
            .setCustomId('rename')
            .setTitle('Rename')
            .addComponents(new ActionRowBuilder<TextInputBuilder>().addComponents(input)),
        );
      } else if (i.isModalSubmit()) {
        await i.reply(`renamed to ${i.fields.getTextInputValue('title')}`);
      }
    };
    const shown = await invoke('panel');

    const submitted = await world.sandbox.control.submitModal({
      interactionId: shown.interactionId,
      fields: { title: 'Late Night' },
    });

    expect(shown).toMatchObject({ acknowledged: 'modal', modal: { custom_id: 'rename', title: 'Rename' } });
    expect(submitted).toMatchObject({
      acknowledged: 'reply',
      original: { content: 'renamed to Late Night' },
    });
  });

  it('keeps an ephemeral reply out of channel history and delivers follow-ups', async () => {
    handler = async (i) => {
      if (!i.isChatInputCommand()) return;
      await i.reply({ content: 'only you', flags: MessageFlags.Ephemeral });
      await i.followUp('everyone');
    };

    const result = await invoke('secret', { waitFor: { followUps: 1, timeoutMs: 5000 } });
    const history = (await sut.rest.get(`/channels/${channelId}/messages`)) as { content: string }[];

    expect(result).toMatchObject({
      acknowledged: 'reply',
      ephemeral: true,
      followUps: [{ content: 'everyone', ephemeral: false }],
    });
    expect(history.map((m) => m.content)).toContain('everyone');
    expect(history.map((m) => m.content)).not.toContain('only you');
  });
});
