/** Bot token verification against Discord, shared by the CLI and `/agents add_token`. */
export {
  type BotTokenVerifyOptions,
  TokenVerificationError,
  TokenVerificationFailure,
  type VerifiedBotToken,
  verifyBotToken,
} from './bot-token-verifier';
