/** DI token of the {@link FunhubClientOptions}. */
export const FUNHUB_CLIENT_OPTIONS = Symbol('FUNHUB_CLIENT_OPTIONS');

/** FunHub categories behind the `/fun` subcommands. */
export const FUN_SUBCOMMAND_CATEGORIES = {
  compliment: 'compliment',
  roast: 'roast',
  riddle: 'riddle',
  wyr: 'would-you-rather',
} as const;

/** A `/fun` subcommand. */
export type FunSubcommand = keyof typeof FUN_SUBCOMMAND_CATEGORIES;

/** Opossum breaker settings for FunHub calls: open after half of ≥ 3 calls failed in 10 s, probe after 15 s. */
export const FUNHUB_BREAKER = {
  volumeThreshold: 3,
  errorThresholdPercentage: 50,
  rollingCountTimeout: 10_000,
  resetTimeout: 15_000,
} as const;
