import { Injectable } from '@nestjs/common';
import type { AgentConnection } from './agent-connection';

/** The gateway's open sockets by connection id (shared by the gateway and the RPC client). */
@Injectable()
export class AgentConnectionTable {
  private readonly connections = new Map<string, AgentConnection>();

  /** Number of sockets, authenticated or not. */
  get size(): number {
    return this.connections.size;
  }

  /** Adds a connection. */
  add(connection: AgentConnection): void {
    this.connections.set(connection.id, connection);
  }

  /** Removes a connection; returns true when it was present. */
  delete(connectionId: string): boolean {
    return this.connections.delete(connectionId);
  }

  /** The connection, or undefined. */
  get(connectionId: string): AgentConnection | undefined {
    return this.connections.get(connectionId);
  }

  /** Every connection (snapshot). */
  all(): AgentConnection[] {
    return [...this.connections.values()];
  }

  /** Sockets in admission (no accepted `hello` yet). */
  get pendingCount(): number {
    let count = 0;
    for (const connection of this.connections.values()) if (connection.isPending) count += 1;
    return count;
  }

  /** Authenticated, open connections. */
  get openCount(): number {
    let count = 0;
    for (const connection of this.connections.values()) if (connection.isOpen) count += 1;
    return count;
  }

  /** The longest-waiting socket that has not sent anything yet (insertion order = age), or undefined. */
  oldestAwaitingHello(): AgentConnection | undefined {
    for (const connection of this.connections.values())
      if (connection.state === 'awaiting-hello') return connection;
    return undefined;
  }

  /** Authenticated connections of `runnerId`. */
  ofRunner(runnerId: string): AgentConnection[] {
    return this.all().filter((connection) => connection.isOpen && connection.runnerId === runnerId);
  }
}
