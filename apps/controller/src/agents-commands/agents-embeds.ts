import { EmbedBuilder } from 'discord.js';
import { type AgentRegistrationView, AgentStatus } from '@app/pools';
import type { Session } from '@app/sessions';
import type { DeployPlan } from '../deploy';
import { AGENTS_EMBED_COLOR, MAX_LIST_LINES } from './agents-commands.constants';
import type {
  AgentDiagnosis,
  GuildStatusView,
  NetworkStatusView,
  PoolAdvice,
} from './agents-overview.service';

/** How embeds name voice channels and agents. */
export interface AgentsReplyContext {
  channelName(voiceChannelId: string): string;
  agentMention(agentId: string): string;
}

/** Discord timestamp markup, rendered in the reader's time zone (Discord docs, Message Formatting). */
export function relativeTime(epochMs: number): string {
  return `<t:${Math.floor(epochMs / 1000)}:R>`;
}

function capped(lines: string[], empty: string): string {
  if (lines.length === 0) return empty;
  const shown = lines.slice(0, MAX_LIST_LINES);
  if (lines.length > shown.length) shown.push(`… and ${lines.length - shown.length} more`);
  return shown.join('\n');
}

/** `/agents status` for this server. */
export function guildStatusEmbed(view: GuildStatusView, context: AgentsReplyContext): EmbedBuilder {
  const lines = view.agents.map((agent) => {
    const state = !agent.ready
      ? 'not ready'
      : agent.session
        ? `busy (${agent.session.kind}) in ${context.channelName(agent.session.voiceChannelId)}`
        : 'idle';
    return `${context.agentMention(agent.agentId)} — ${state}`;
  });
  return new EmbedBuilder()
    .setColor(view.ready === 0 ? AGENTS_EMBED_COLOR.warning : AGENTS_EMBED_COLOR.info)
    .setTitle('Agents in this server')
    .setDescription(
      capped(
        lines,
        'No agent is connected in this server — a server admin can invite some with /agents deploy.',
      ),
    )
    .addFields(
      { name: 'Connected', value: String(view.connected), inline: true },
      { name: 'Ready', value: String(view.ready), inline: true },
      { name: 'Idle', value: String(view.idle), inline: true },
      { name: 'Busy (music)', value: String(view.busy.music), inline: true },
      { name: 'Busy (assistant)', value: String(view.busy.assistant), inline: true },
    );
}

/** `/agents status scope:network` (bot owners). */
export function networkStatusEmbed(view: NetworkStatusView): EmbedBuilder {
  const registrations = Object.entries(view.registrations)
    .map(([status, count]) => `${status}: ${count}`)
    .join(' · ');
  return new EmbedBuilder()
    .setColor(AGENTS_EMBED_COLOR.info)
    .setTitle('Agent network')
    .addFields(
      { name: 'Connected', value: String(view.connected), inline: true },
      { name: 'Ready', value: String(view.ready), inline: true },
      { name: 'Servers', value: String(view.guilds), inline: true },
      { name: 'Busy (music)', value: String(view.busy.music), inline: true },
      { name: 'Busy (assistant)', value: String(view.busy.assistant), inline: true },
      { name: 'Registrations', value: registrations || 'none' },
    );
}

/** `/agents sessions`. */
export function sessionsEmbed(sessions: readonly Session[], context: AgentsReplyContext): EmbedBuilder {
  const lines = sessions.map(
    (session) =>
      `**${session.kind}** in ${context.channelName(session.voiceChannelId)} — ${context.agentMention(session.agentId)}` +
      `${session.ownerUserId ? `, started by <@${session.ownerUserId}>` : ''}, active ${relativeTime(session.lastActivityAt)}`,
  );
  return new EmbedBuilder()
    .setColor(AGENTS_EMBED_COLOR.info)
    .setTitle(`Live sessions (${sessions.length})`)
    .setDescription(capped(lines, 'No agent is in a session in this server.'));
}

/** `/agents advisor`. */
export function advisorEmbed(advice: readonly PoolAdvice[]): EmbedBuilder {
  const lines = advice.map(
    (pool, i) =>
      `${i + 1}. **${pool.name}** (\`${pool.poolId}\`, ${pool.visibility}${pool.selected ? ', selected here' : ''}) — ` +
      `${pool.free} free: ${pool.idleHere} idle here, ${pool.invitable} to invite · ${pool.usable} usable`,
  );
  return new EmbedBuilder()
    .setColor(AGENTS_EMBED_COLOR.info)
    .setTitle('Pools you can use, best first')
    .setDescription(capped(lines, 'No pool is available to you — create one with /pools create.'))
    .setFooter({ text: 'Deploy from one with /agents deploy desired_total:<n> pool:<id>' });
}

/** The summary of `/agents deploy`; the invite links follow as link buttons and a file. */
export function deployEmbed(plan: DeployPlan, verifying: boolean): EmbedBuilder {
  const embed = new EmbedBuilder()
    .setColor(
      plan.shortfall > 0 || plan.diagnostics.unusable.length > 0
        ? AGENTS_EMBED_COLOR.warning
        : AGENTS_EMBED_COLOR.success,
    )
    .setTitle(plan.invites.length > 0 ? `${plan.invites.length} agent invite(s) ready` : 'Nothing to invite')
    .setDescription(
      plan.invites.length > 0
        ? `Open each invite below and add the agent to this server.${verifying ? ' Chopsticks checks that they joined.' : ''}`
        : plan.need === 0
          ? `This server already has ${plan.present} agent(s), counting every pool.`
          : 'The pool has no usable agent left to invite.',
    )
    .addFields(
      { name: 'Pool', value: `\`${plan.poolId}\``, inline: true },
      { name: 'Desired total', value: String(plan.desiredTotal), inline: true },
      { name: 'Already here', value: String(plan.present), inline: true },
      { name: 'Invites', value: String(plan.invites.length), inline: true },
      { name: 'Shortfall', value: String(plan.shortfall), inline: true },
      { name: 'Usable in pool', value: String(plan.diagnostics.usable), inline: true },
    );
  if (plan.diagnostics.unusable.length > 0) {
    embed.addFields({
      name: `Unusable registrations (${plan.diagnostics.unusable.length})`,
      value: capped(
        plan.diagnostics.unusable.map((agent) => `\`${agent.agentId}\` — ${agent.action}`),
        '',
      ).slice(0, 1024),
    });
  }
  return embed;
}

/** `/agents list_tokens` (ephemeral): masked tokens only. */
export function tokensEmbed(rows: readonly AgentRegistrationView[], title: string): EmbedBuilder {
  const lines = rows.map((row) => {
    const failure =
      row.status === AgentStatus.Failed
        ? ` — login failed ${row.failureCount}×${row.backoffUntil ? `, retry ${relativeTime(row.backoffUntil.getTime())}` : ''}`
        : '';
    return `\`${row.agentId}\` **${row.tag}** · ${row.status} · \`${row.tokenMasked}\` · ${row.poolId}${failure}`;
  });
  return new EmbedBuilder()
    .setColor(AGENTS_EMBED_COLOR.info)
    .setTitle(title)
    .setDescription(capped(lines, 'No tokens yet — add one with /agents add_token.'));
}

/** `/agents diagnose`. */
export function diagnosisEmbed(diagnosis: AgentDiagnosis, context: AgentsReplyContext): EmbedBuilder {
  const { registration, live } = diagnosis;
  const usable = diagnosis.problems.length === 0;
  return new EmbedBuilder()
    .setColor(usable ? AGENTS_EMBED_COLOR.success : AGENTS_EMBED_COLOR.warning)
    .setTitle(`Diagnosis of ${registration.agentId}`)
    .setDescription(
      usable
        ? `${context.agentMention(registration.agentId)} is usable in this server.`
        : diagnosis.problems.map((problem) => `• ${problem}`).join('\n'),
    )
    .addFields(
      { name: 'Status', value: registration.status, inline: true },
      { name: 'Pool', value: `\`${registration.poolId}\``, inline: true },
      { name: 'Token', value: registration.tokenUsable ? 'stored' : 'unusable', inline: true },
      {
        name: 'Login failures',
        value:
          registration.failureCount === 0
            ? '0'
            : `${registration.failureCount}${registration.backoffUntil ? `, backoff until ${relativeTime(registration.backoffUntil.getTime())}` : ''}`,
        inline: true,
      },
      {
        name: 'Lease',
        value: diagnosis.leaseHolder ? `runner \`${diagnosis.leaseHolder}\`` : 'none',
        inline: true,
      },
      {
        name: 'Connected',
        value: live ? (live.ready ? 'yes, ready' : 'yes, not ready') : 'no',
        inline: true,
      },
      { name: 'In this server', value: diagnosis.inGuild ? 'yes' : 'no', inline: true },
      {
        name: 'Session here',
        value: diagnosis.sessionHere
          ? `${diagnosis.sessionHere.kind} in ${context.channelName(diagnosis.sessionHere.voiceChannelId)}`
          : 'none',
        inline: true,
      },
    );
}

/** A one-line success embed (assign, release, idle policy, set_status, revoke, add_token). */
export function doneEmbed(title: string, description: string, warning = false): EmbedBuilder {
  return new EmbedBuilder()
    .setColor(warning ? AGENTS_EMBED_COLOR.warning : AGENTS_EMBED_COLOR.success)
    .setTitle(title)
    .setDescription(description);
}
