import { PinoLogger } from 'nestjs-pino';
import { Store, storage } from 'nestjs-pino/storage';

/** Fields a log context may carry: correlation ids and small bounded descriptors, never secrets. */
export type LogContextBindings = Record<string, string | number | boolean | null | undefined>;

/**
 * Runs `fn` with `bindings` added to every log line written while it runs, including lines from
 * Nest `Logger` instances and from async work it starts (nestjs-pino's AsyncLocalStorage store).
 * Nested calls add to the enclosing context; inside an HTTP request the request's `req.id` stays.
 * Use it for the correlation id of work that is not an HTTP request: an agent frame or RPC
 * (`{ connectionId, frame, rpcId }`), an interaction (`{ interactionId, command }`).
 * `undefined` values are left out. Before any app set up logging, `fn` simply runs.
 * @returns whatever `fn` returns (a promise stays a promise)
 */
export function withLogContext<T>(bindings: LogContextBindings, fn: () => T): T {
  const parent = storage.getStore()?.logger ?? (PinoLogger.root as PinoLogger['logger'] | undefined);
  if (!parent) return fn();
  const fields: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(bindings)) if (value !== undefined) fields[key] = value;
  return storage.run(new Store(parent.child(fields)), fn);
}
