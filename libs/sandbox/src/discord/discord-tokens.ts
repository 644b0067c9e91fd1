import { createHmac, randomBytes } from 'node:crypto';

/** Epoch of the token timestamp part (2011-01-01), as used by Discord's token format. */
const TOKEN_EPOCH_S = 1293840000;

/**
 * Makes a bot token shaped like Discord's: `base64(userId).base64(timestamp).hmac`, three
 * dot-separated base64url parts. discord.js only splits on dots to read the user id from the first
 * part (Client#login → `Buffer.from(token.split('.')[0], 'base64')`), so the shape matters.
 */
export function makeBotToken(botUserId: string, secret: Buffer): string {
  const idPart = Buffer.from(botUserId).toString('base64url');
  const ts = Buffer.alloc(4);
  ts.writeUInt32BE(Math.floor(Date.now() / 1000) - TOKEN_EPOCH_S);
  const tsPart = ts.toString('base64url');
  const hmac = createHmac('sha256', secret).update(`${idPart}.${tsPart}`).digest('base64url').slice(0, 38);
  return `${idPart}.${tsPart}.${hmac}`;
}

/** Returns the user id a bot token claims (the first part), or null when the token is malformed. */
export function botUserIdFromToken(token: string): string | null {
  const [idPart] = token.split('.');
  if (!idPart) return null;
  const id = Buffer.from(idPart, 'base64url').toString('utf8');
  return /^\d{17,20}$/.test(id) ? id : null;
}

/** Random url-safe secret of `bytes` random bytes (client secrets, OAuth2 codes and tokens, interaction tokens). */
export function randomSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/** Masks a secret for logs and error messages: first 4 characters, then an ellipsis. */
export function maskToken(token: string): string {
  return token.length <= 8 ? '***' : `${token.slice(0, 4)}…`;
}
