export { ChannelSessionsService, type ChannelSessionKey } from './channel-sessions.service';
export { locateVoiceChannel, voiceChannelName, type VoiceWhereabouts } from './voice-channels';
