import type { FunSubcommand } from './fun.constants';
import { FunErrorCode, type FunException } from './fun.exception';
import type { FunRendered } from './funhub.client';

/** The message `/fun <subcommand>` posts for a rendered text (FunHub escaped the names). */
export function funReply(subcommand: FunSubcommand, rendered: FunRendered): string {
  switch (subcommand) {
    case 'compliment':
      return `💐 ${rendered.text}`;
    case 'roast':
      return `🔥 ${rendered.text}`;
    case 'riddle':
      return `🧩 ${rendered.text}${rendered.answer ? `\nAnswer: ||${rendered.answer}||` : ''}`;
    case 'wyr':
      return rendered.options
        ? `🤔 ${rendered.text}\n🅰️ ${rendered.options[0]}\n🅱️ ${rendered.options[1]}`
        : `🤔 ${rendered.text}`;
  }
}

/** The sentence a user reads when FunHub gave no text. */
export function funErrorSentence(error: FunException): string {
  switch (error.code) {
    case FunErrorCode.NotConfigured:
      return '/fun is not set up on this bot yet (no FunHub configured). Ask the bot owner to connect FunHub.';
    case FunErrorCode.Unavailable:
      return 'FunHub, the service behind /fun, is not answering right now. Please try again in a minute.';
    case FunErrorCode.RateLimited:
      return `FunHub is handling too many requests from this bot — try again in ${error.retryAfterSeconds ?? 60} s.`;
    case FunErrorCode.KeyRejected:
      return 'FunHub did not accept this bot’s API key, so /fun is unavailable. Ask the bot owner to check the FunHub key.';
    case FunErrorCode.BadResponse:
      return 'FunHub sent an answer /fun could not use. Please try again; if it keeps happening, tell the bot owner.';
  }
}
