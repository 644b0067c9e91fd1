import { Logger } from '@nestjs/common';

/** A listener for one event; returned `unsubscribe` functions remove it. */
export type Listener<P> = (payload: P) => void;

/**
 * Minimal synchronous, typed event emitter for registry events (metrics, failover hooks).
 * `Events` maps an event name to its payload type. Listeners run in subscription order right
 * after the state change; a throwing listener is logged and never breaks the registry or the
 * other listeners.
 */
export class TypedEmitter<Events extends Record<string, unknown>> {
  private readonly listeners = new Map<keyof Events, Listener<never>[]>();
  private readonly logger: Logger;

  constructor(context: string) {
    this.logger = new Logger(context);
  }

  /** Subscribes `listener` to `event`; returns a function that unsubscribes it. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    const list = this.listeners.get(event) ?? [];
    list.push(listener as Listener<never>);
    this.listeners.set(event, list);
    return () => {
      const current = this.listeners.get(event);
      if (!current) return;
      const index = current.indexOf(listener as Listener<never>);
      if (index >= 0) current.splice(index, 1);
    };
  }

  /** Calls every listener of `event` with `payload`. */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const list = this.listeners.get(event);
    if (!list || list.length === 0) return;
    for (const listener of [...list]) {
      try {
        (listener as Listener<Events[K]>)(payload);
      } catch (error) {
        this.logger.error(
          `listener for ${String(event)} failed: ${error instanceof Error ? error.message : String(error)}`,
          error instanceof Error ? error.stack : undefined,
        );
      }
    }
  }
}
