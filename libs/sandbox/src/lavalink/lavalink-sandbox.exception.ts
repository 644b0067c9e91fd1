/** Error thrown by the Lavalink sandbox API for invalid options or control calls. */
export class LavalinkSandboxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = LavalinkSandboxError.name;
  }
}
