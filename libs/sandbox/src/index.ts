export * from './discord';
export * from './lavalink';
export * from './tts';
