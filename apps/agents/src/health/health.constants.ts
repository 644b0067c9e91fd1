/** DI token: ids of the runner's configured Lavalink nodes (readiness reports each). */
export const RUNNER_LAVALINK_NODE_IDS = Symbol('RUNNER_LAVALINK_NODE_IDS');
