export { ChannelSessionsService, type ChannelSessionKey } from './channel-sessions.service';
