/** Public surface of the controller's `/music` feature. */
export { MusicModule, type MusicModuleOptions } from './music.module';
export { MusicPlayUseCase, type MusicPlayCommand, type MusicPlayOutcome } from './music-play.use-case';
export { MusicSessionsService, type MusicSessionKey } from './music-sessions.service';
export {
  MusicErrorCode,
  MusicException,
  MusicAllocationException,
  MusicSessionMissingException,
} from './music.exception';
export {
  allocationFailureSentence,
  formatDuration,
  musicErrorSentence,
  rpcErrorSentence,
} from './music-replies';
export { MUSIC_QUERY_MAX_LENGTH, MUSIC_VOLUME_MAX, MUSIC_VOLUME_MIN } from './music.constants';
