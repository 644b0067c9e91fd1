/** Public surface of the controller's `/pools` feature. */
export { PoolsCommandsModule } from './pools-commands.module';
export { isDatabaseUnavailable } from './database-unavailable';
export { POOLS_DATABASE_UNAVAILABLE_SENTENCE, toPoolsReplyError } from './pools-replies';
