import { z } from 'zod';

/** One Lavalink node the runner connects each identity's `LavalinkManager` to. */
export interface LavalinkNodeConfig {
  /** Node id, unique within `LAVALINK_NODES` (letters, digits, `.`, `_`, `-`). */
  id: string;
  host: string;
  port: number;
  /** Node password (Lavalink `Authorization` header). Secret: never logged. */
  password: string;
  /** True for `https://` nodes (wss to the node). */
  secure: boolean;
}

const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Parses `LAVALINK_NODES`: a comma-separated list of `id=http[s]://host:port#password`
 * (e.g. `main=http://lavalink:2333#youshallnotpass,backup=https://ll2.example:443#s3cret`).
 * The password follows `#` and is URL-decoded, so `%2C` stands for a comma. An empty value
 * means no nodes (music ops answer `lavalink-unavailable`). Errors never repeat a password.
 * @returns the nodes in the given order
 * @throws Error naming the offending entry by position and id when malformed
 */
export function parseLavalinkNodes(text: string): LavalinkNodeConfig[] {
  const entries = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const nodes: LavalinkNodeConfig[] = [];
  entries.forEach((entry, index) => {
    const where = `entry ${index + 1}`;
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new Error(`${where} must look like id=http://host:port#password`);
    const id = entry.slice(0, eq).trim();
    if (!NODE_ID.test(id)) throw new Error(`${where} has an invalid node id`);
    const rest = entry.slice(eq + 1).trim();
    const hash = rest.indexOf('#');
    if (hash < 0) throw new Error(`${where} (${id}) has no #password`);
    let password: string;
    try {
      password = decodeURIComponent(rest.slice(hash + 1));
    } catch {
      throw new Error(`${where} (${id}) has a malformed password encoding`);
    }
    if (password.length === 0) throw new Error(`${where} (${id}) has an empty password`);
    let url: URL;
    try {
      url = new URL(rest.slice(0, hash));
    } catch {
      throw new Error(`${where} (${id}) has an invalid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`${where} (${id}) must use http:// or https://`);
    if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search)
      throw new Error(`${where} (${id}) must be only scheme, host and port`);
    const secure = url.protocol === 'https:';
    const port = url.port ? Number(url.port) : secure ? 443 : 80;
    if (nodes.some((node) => node.id === id)) throw new Error(`${where} repeats node id ${id}`);
    nodes.push({ id, host: url.hostname.replace(/^\[|\]$/g, ''), port, password, secure });
  });
  return nodes;
}

/** Zod field for `LAVALINK_NODES` (see {@link parseLavalinkNodes}); unset = no nodes. */
export const lavalinkNodesField = z.preprocess(
  (value) => (value === undefined ? '' : value),
  z.string().transform((text, ctx): LavalinkNodeConfig[] => {
    try {
      return parseLavalinkNodes(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }),
);
