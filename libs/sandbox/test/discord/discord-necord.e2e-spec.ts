import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { GatewayIntentBits } from 'discord.js';
import {
  Context,
  createCommandGroupDecorator,
  NecordModule,
  Options,
  SlashCommand,
  StringOption,
  Subcommand,
  type SlashCommandContext,
} from 'necord';
import { setTimeout as sleep } from 'node:timers/promises';
import { DiscordSandbox } from '../../src/discord';
import { createWorld, type SandboxWorld } from './discord-fixtures';

class PlayOptions {
  @StringOption({ name: 'query', description: 'What to play', required: true })
  query!: string;
}

const MusicGroup = createCommandGroupDecorator({ name: 'music', description: 'Music controls' });

@Injectable()
class PingCommand {
  @SlashCommand({ name: 'ping', description: 'Checks the bot answers' })
  async ping(@Context() [interaction]: SlashCommandContext) {
    await interaction.reply(`pong from necord in ${interaction.guild?.name}`);
  }
}

@MusicGroup()
@Injectable()
class MusicCommands {
  @Subcommand({ name: 'play', description: 'Plays a track' })
  async play(@Context() [interaction]: SlashCommandContext, @Options() { query }: PlayOptions) {
    await interaction.deferReply();
    await interaction.editReply(`queued ${query}`);
  }
}

describe(DiscordSandbox.name, () => {
  let world: SandboxWorld;
  let sut: TestingModule;

  beforeAll(async () => {
    world = await createWorld();
    sut = await Test.createTestingModule({
      imports: [
        NecordModule.forRoot({
          token: world.app.token,
          intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates],
          rest: { api: world.sandbox.urls.api },
          development: [world.guild.guildId],
        }),
      ],
      providers: [PingCommand, MusicCommands],
    }).compile();
    sut.useLogger(false);
    await sut.init();
    for (
      let i = 0;
      i < 100 && world.sandbox.control.listCommands(world.app.applicationId, world.guild.guildId).length < 2;
      i++
    ) {
      await sleep(50);
    }
  });

  afterAll(async () => {
    await sut.close();
    await world.sandbox.stop();
  });

  const invoke = (name: string, extra: Record<string, unknown> = {}) =>
    world.sandbox.control.invokeSlashCommand({
      applicationId: world.app.applicationId,
      userId: world.userId,
      channelId: world.guild.channels.general,
      name,
      ...extra,
    });

  it('registers the necord commands in the development guild', () => {
    const commands = world.sandbox.control.listCommands(world.app.applicationId, world.guild.guildId) as {
      name: string;
      options?: { name: string; type: number }[];
    }[];

    expect(commands.map((c) => c.name).sort()).toEqual(['music', 'ping']);
    expect(commands.find((c) => c.name === 'music')?.options).toEqual([
      expect.objectContaining({ name: 'play', type: 1 }),
    ]);
  });

  it('answers a @SlashCommand', async () => {
    const result = await invoke('ping');

    expect(result).toMatchObject({
      acknowledged: 'reply',
      original: { content: 'pong from necord in Test Guild' },
    });
  });

  it('answers a @Subcommand with options through defer + edit', async () => {
    const result = await invoke('music', {
      subcommand: 'play',
      options: { query: 'lofi beats' },
      waitFor: 'response',
    });

    expect(result).toMatchObject({ acknowledged: 'deferred', original: { content: 'queued lofi beats' } });
  });
});
