import { type APIInteractionDataResolvedChannel, ChannelType, type GuildBasedChannel } from 'discord.js';
import { BooleanOption, ChannelOption, IntegerOption, StringOption } from 'necord';
import { AgentStatus } from '@app/pools';
import {
  AGENT_OPTION_MAX_LENGTH,
  IDLE_POLICY_MAX_MINUTES,
  TOKEN_OPTION_MAX_LENGTH,
} from '../agents-commands.constants';

/** A channel option value as necord resolves it (`getChannel`). */
export type ChannelOptionValue = GuildBasedChannel | APIInteractionDataResolvedChannel | null | undefined;

const VOICE_CHANNEL_TYPES = [ChannelType.GuildVoice, ChannelType.GuildStageVoice] as const;

/** The required `agent` option: an agent id, client id or mention, autocompleted. */
function AgentOption(): PropertyDecorator {
  return StringOption({
    name: 'agent',
    description: 'The agent: its id, client id or mention',
    required: true,
    autocomplete: true,
    max_length: AGENT_OPTION_MAX_LENGTH,
  });
}

/** Options of `/agents status`. */
export class AgentsStatusDto {
  @StringOption({
    name: 'scope',
    description: 'This server (default) or the whole network (bot owners)',
    required: false,
    choices: [
      { name: 'This server', value: 'guild' },
      { name: 'Whole network (bot owners)', value: 'network' },
    ],
  })
  scope?: 'guild' | 'network';
}

/**
 * Options of `/agents deploy`. `desired_total` is not capped at 49 by Discord on purpose: the
 * handler refuses larger totals with a sentence that names the limit (ACCEPTANCE D1).
 */
export class AgentsDeployDto {
  @IntegerOption({
    name: 'desired_total',
    description: 'How many agents this server should have in total (at most 49)',
    required: true,
    min_value: 0,
    max_value: 1000,
  })
  desiredTotal!: number;

  @StringOption({
    name: 'pool',
    description: 'Pool to deploy from (default: the pool chosen with /pools select)',
    required: false,
    max_length: AGENT_OPTION_MAX_LENGTH,
  })
  pool?: string;
}

/** Options of `/agents assign`. */
export class AgentsAssignDto {
  @AgentOption()
  agent!: string;

  @ChannelOption({
    name: 'channel',
    description: 'Voice channel (default: the one you are in)',
    required: false,
    channel_types: [...VOICE_CHANNEL_TYPES],
  })
  channel?: ChannelOptionValue;
}

/** Options of `/agents release`. */
export class AgentsReleaseDto {
  @ChannelOption({
    name: 'channel',
    description: 'Voice channel whose session to end (default: the one you are in)',
    required: false,
    channel_types: [...VOICE_CHANNEL_TYPES],
  })
  channel?: ChannelOptionValue;

  @StringOption({
    name: 'kind',
    description: 'Which session, when the channel has both (default: all)',
    required: false,
    choices: [
      { name: 'Music', value: 'music' },
      { name: 'Assistant', value: 'assistant' },
    ],
  })
  kind?: 'music' | 'assistant';
}

/** Options of `/agents idle_policy`: exactly one of them (checked by the handler). */
export class AgentsIdlePolicyDto {
  @IntegerOption({
    name: 'minutes',
    description: 'Release idle agents after this many minutes with nobody listening',
    required: false,
    min_value: 1,
    max_value: IDLE_POLICY_MAX_MINUTES,
  })
  minutes?: number;

  @BooleanOption({ name: 'use_default', description: 'Use the default idle time again', required: false })
  useDefault?: boolean;

  @BooleanOption({
    name: 'disable',
    description: 'Never release idle agents in this server',
    required: false,
  })
  disable?: boolean;
}

/** Options of `/agents add_token`. */
export class AgentsAddTokenDto {
  @StringOption({
    name: 'token',
    description: 'The bot token (only you see this command; it is stored encrypted)',
    required: true,
    min_length: 20,
    max_length: TOKEN_OPTION_MAX_LENGTH,
  })
  token!: string;

  @StringOption({
    name: 'pool',
    description: 'Pool to contribute to (default: your own pool, else this server’s pool)',
    required: false,
    max_length: AGENT_OPTION_MAX_LENGTH,
  })
  pool?: string;
}

/** Options of `/agents set_status`. */
export class AgentsSetStatusDto {
  @AgentOption()
  agent!: string;

  @StringOption({
    name: 'status',
    description: 'New status',
    required: true,
    choices: [
      { name: 'active', value: AgentStatus.Active },
      { name: 'inactive', value: AgentStatus.Inactive },
      { name: 'suspended', value: AgentStatus.Suspended },
    ],
  })
  status!: AgentStatus.Active | AgentStatus.Inactive | AgentStatus.Suspended;
}

/** Options of `/agents revoke` and `/agents diagnose`: one agent. */
export class AgentsAgentDto {
  @AgentOption()
  agent!: string;
}

/** Options of `/agents list_tokens`. */
export class AgentsListTokensDto {
  @StringOption({
    name: 'pool',
    description: 'List a pool you own or manage (default: the tokens you contributed)',
    required: false,
    max_length: AGENT_OPTION_MAX_LENGTH,
  })
  pool?: string;
}
