import { ChannelType, type ChatInputCommandInteraction, type Client } from 'discord.js';
import type { ChannelSessionKey } from './channel-sessions.service';

/** Where an interaction's user is: guild, voice channel and the text channel the command came from. */
export interface VoiceWhereabouts extends ChannelSessionKey {
  textChannelId: string | null;
}

/**
 * Finds the invoking user's guild and voice channel in the client's voice state cache (kept by
 * the GuildVoiceStates intent — Discord gateway docs, Gateway Intents).
 * @returns the whereabouts, or why there are none: `guild-only` outside a (cached) guild,
 *   `user-not-in-voice` when the user is in no voice channel there
 */
export function locateVoiceChannel(
  client: Client,
  interaction: ChatInputCommandInteraction,
): VoiceWhereabouts | 'guild-only' | 'user-not-in-voice' {
  const guildId = interaction.guildId;
  const guild = guildId ? client.guilds.cache.get(guildId) : undefined;
  if (!guildId || !guild) return 'guild-only';
  const voiceChannelId = guild.voiceStates.cache.get(interaction.user.id)?.channelId ?? null;
  if (!voiceChannelId) return 'user-not-in-voice';
  return { guildId, voiceChannelId, textChannelId: interaction.channelId ?? null };
}

/** "🔊 Music 1" (or "🎙️ Stage") for a cached voice channel, else a channel mention. */
export function voiceChannelName(client: Client, guildId: string | null, channelId: string): string {
  const channel = guildId ? client.guilds.cache.get(guildId)?.channels.cache.get(channelId) : undefined;
  if (!channel) return `<#${channelId}>`;
  const icon = channel.type === ChannelType.GuildStageVoice ? '🎙️' : '🔊';
  return `${icon} ${channel.name}`;
}
