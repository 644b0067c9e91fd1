import { PinoLogger } from 'nestjs-pino';
import { type Store, storage } from 'nestjs-pino/storage';

/** Fields a log context may carry: correlation ids and small bounded descriptors, never secrets. */
export type LogContextBindings = Record<string, string | number | boolean | null | undefined>;

type PinoInstance = Store['logger'];

/**
 * Runs `fn` with `bindings` added to every log line written while it runs, including lines from
 * Nest `Logger` instances and from async work it starts (nestjs-pino's AsyncLocalStorage store).
 * Nested calls add to the enclosing context; inside an HTTP request the request's `req.id` stays.
 * Use it for the correlation id of work that is not an HTTP request: an agent frame or RPC
 * (`{ connectionId, runnerId, frame, rpcId }`), an interaction (`{ interactionId, command }`).
 * `undefined` values are left out. The child logger is created only when something is logged,
 * so wrapping every frame costs one small object. Before any app set up logging, `fn` simply runs.
 * @returns whatever `fn` returns (a promise stays a promise)
 */
export function withLogContext<T>(bindings: LogContextBindings, fn: () => T): T {
  const outer = storage.getStore();
  const root = outer ? undefined : (PinoLogger.root as PinoInstance | undefined);
  if (!outer && !root) return fn();
  let child: PinoInstance | undefined;
  const store = {
    get logger(): PinoInstance {
      if (!child) {
        const fields: Record<string, string | number | boolean | null> = {};
        for (const [key, value] of Object.entries(bindings)) if (value !== undefined) fields[key] = value;
        child = (outer?.logger ?? root!).child(fields);
      }
      return child;
    },
    // PinoLogger.assign() replaces the store's logger with a child of it.
    set logger(logger: PinoInstance) {
      child = logger;
    },
    responseLogger: outer?.responseLogger,
  };
  return storage.run(store, fn);
}
