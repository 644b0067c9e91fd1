/**
 * Reads a secret piped on stdin (trailing newline removed). Refuses an interactive terminal so
 * that tokens are never typed where they would echo, and never taken from argv.
 * @throws Error when stdin is a TTY or empty.
 */
export async function readSecretFromStdin(stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (stdin.isTTY)
    throw new Error(
      'Pipe the token on stdin, e.g. printf %s "$TOKEN" | npm run -s cli -- agents add-token …',
    );
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  const secret = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
    .trim();
  if (!secret) throw new Error('No token on stdin.');
  return secret;
}
