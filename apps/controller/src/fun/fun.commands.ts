import { Injectable, Logger } from '@nestjs/common';
import { type ChatInputCommandInteraction, GuildMember, type User } from 'discord.js';
import { Context, createCommandGroupDecorator, Options, type SlashCommandContext, Subcommand } from 'necord';
import { CommandReplyError, InteractionResponder } from '../discord';
import { FunIntensityDto, FunTargetDto } from './dto/fun-target.dto';
import { FUN_SUBCOMMAND_CATEGORIES, type FunSubcommand } from './fun.constants';
import { FunException } from './fun.exception';
import { funErrorSentence, funReply } from './fun-replies';
import { FunhubClient } from './funhub.client';

/** `/fun …` (SPEC §6): text from FunHub, in guilds and DMs. */
const FunCommandGroup = createCommandGroupDecorator({
  name: 'fun',
  description: 'Compliments, roasts, riddles and would-you-rather, served by FunHub',
});

/**
 * The `/fun` slash commands: each asks FunHub for a random text of its category with the target
 * (default: the invoking user) and the invoking user as actor, and posts it publicly. When FunHub
 * is unconfigured, down, over its limit or refuses the key, the user gets a short ephemeral
 * sentence saying so (the command's status is `error`); nothing else in the bot is affected.
 */
@FunCommandGroup()
@Injectable()
export class FunCommands {
  private readonly logger = new Logger(FunCommands.name);

  constructor(
    private readonly responder: InteractionResponder,
    private readonly funhub: FunhubClient,
  ) {}

  @Subcommand({ name: 'compliment', description: 'A kind word for someone (or yourself)' })
  async compliment(
    @Context() [interaction]: SlashCommandContext,
    @Options() options: FunIntensityDto,
  ): Promise<void> {
    await this.run(interaction, 'compliment', options.target, options.intensity);
  }

  @Subcommand({ name: 'roast', description: 'A friendly roast for someone (or yourself)' })
  async roast(
    @Context() [interaction]: SlashCommandContext,
    @Options() options: FunIntensityDto,
  ): Promise<void> {
    await this.run(interaction, 'roast', options.target, options.intensity);
  }

  @Subcommand({ name: 'riddle', description: 'A riddle, with the answer hidden behind a spoiler' })
  async riddle(
    @Context() [interaction]: SlashCommandContext,
    @Options() options: FunTargetDto,
  ): Promise<void> {
    await this.run(interaction, 'riddle', options.target);
  }

  @Subcommand({ name: 'wyr', description: 'A would-you-rather question' })
  async wyr(@Context() [interaction]: SlashCommandContext, @Options() options: FunTargetDto): Promise<void> {
    await this.run(interaction, 'wyr', options.target);
  }

  private async run(
    interaction: ChatInputCommandInteraction,
    subcommand: FunSubcommand,
    target: User | null | undefined,
    intensity?: number | null,
  ): Promise<void> {
    await this.responder.run(interaction, 'fun', async () => {
      try {
        const rendered = await this.funhub.render({
          category: FUN_SUBCOMMAND_CATEGORIES[subcommand],
          target: target
            ? this.displayName(interaction, target)
            : this.displayName(interaction, interaction.user),
          actor: this.displayName(interaction, interaction.user),
          // necord passes null for an option the user left out.
          ...(typeof intensity === 'number' ? { intensity } : {}),
        });
        return { content: funReply(subcommand, rendered) };
      } catch (error) {
        if (!(error instanceof FunException)) throw error;
        this.logger.warn(`/fun ${subcommand} without FunHub text: ${error.code} (${error.message})`);
        throw new CommandReplyError(funErrorSentence(error));
      }
    });
  }

  /** The name people see in this guild: member nickname, else global display name, else username. */
  private displayName(interaction: ChatInputCommandInteraction, user: User): string {
    const member =
      user.id === interaction.user.id ? interaction.member : interaction.options.getMember('target');
    return member instanceof GuildMember ? member.displayName : user.displayName;
  }
}
