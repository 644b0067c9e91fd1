import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { ChopsticksMetrics } from '@app/metrics';
import {
  MAX_RPC_TIMEOUT_MS,
  ProtocolErrorCode,
  type RpcOp,
  type RpcParamsInput,
  type RpcRequestFrame,
  type RpcResponseFrame,
  type RpcResult,
  parseRpcResult,
  rpcOps,
} from '@app/protocol';
import { AgentRegistry } from '@app/sessions';
import { AgentCircuitBreakers, type BreakerState, isOpenBreakerError } from './agent-circuit-breakers';
import { AgentConnectionTable } from './agent-connection.table';
import { AgentRpcException } from './agent-gateway.exception';
import { AGENT_GATEWAY_OPTIONS } from './agent-gateway.module-definition';
import type { ResolvedAgentGatewayOptions } from './agent-gateway.options';

/** Options of one {@link AgentRpcClient.call}. */
export interface AgentRpcCallOptions {
  /** Per-call timeout in ms, 1–60 000 (default: the gateway's `defaultRpcTimeoutMs`, 10 s). */
  timeoutMs?: number;
}

interface PendingCall {
  id: string;
  agentId: string;
  connectionId: string;
  op: RpcOp;
  timer: NodeJS.Timeout;
  resolve: (result: unknown) => void;
  reject: (error: AgentRpcException) => void;
}

/**
 * Calls RPC ops on agents over their runner's connection (SPEC §4, ACCEPTANCE R1–R3).
 *
 * - Request ids are random UUIDs; a response is accepted only when it arrives on the connection
 *   the request went out on **and** names the agent that was asked (R3); anything else is ignored.
 * - Each call has a timeout (`agent-timeout`, R2); pending calls fail at once with
 *   `agent-offline` when their agent leaves or its connection closes.
 * - A per-agent opossum circuit breaker counts transport failures only (timeouts, offline,
 *   unsendable requests, invalid results); domain answers like `not-in-voice` reject the call
 *   but never open it. An open breaker rejects with `circuit-open` immediately. Calls to an
 *   agent without a transport failure in the breaker's rolling window skip the breaker (its
 *   per-call bookkeeping and per-agent timers are the controller's largest RPC and idle cost);
 *   the first transport failure is recorded in the agent's breaker and every call in the window
 *   after it goes through the breaker, so it opens when at least `errorThresholdPercentage` of
 *   the calls since the first failure failed (and `volumeThreshold` calls were made). A closed
 *   breaker whose window passed without a transport failure is dropped.
 * - Answered calls go into `chopsticks_rpc_duration_seconds{op}`, failures into
 *   `chopsticks_rpc_errors_total{op,code}`, and every outcome into the agent's health.
 */
@Injectable()
export class AgentRpcClient implements OnModuleDestroy {
  private readonly logger = new Logger(AgentRpcClient.name);
  private readonly pending = new Map<string, PendingCall>();
  private readonly breakers: AgentCircuitBreakers;
  /** Epoch ms of each agent's latest transport failure while it is within the rolling window. */
  private readonly lastTransportFailure = new Map<string, number>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly registry: AgentRegistry,
    private readonly connections: AgentConnectionTable,
    private readonly metrics: ChopsticksMetrics,
    @Inject(AGENT_GATEWAY_OPTIONS) private readonly options: ResolvedAgentGatewayOptions,
  ) {
    this.breakers = new AgentCircuitBreakers(options.breaker);
    this.unsubscribe = this.registry.events.on('agent.down', ({ agent }) => {
      this.breakers.forget(agent.agentId);
      this.lastTransportFailure.delete(agent.agentId);
    });
  }

  /**
   * Runs `op` on `agentId` and resolves with its result, validated against the op's result
   * schema (`@app/protocol` `rpcOps`).
   * @throws AgentRpcException with `code`:
   *   `invalid-params` (params fail the op's schema or a bad timeout; nothing is sent),
   *   `agent-offline` (not live, connection gone, send failed, or it disconnected while pending),
   *   `agent-timeout` (no answer within `timeoutMs`), `circuit-open` (breaker open),
   *   `rate-limited` (the answer was dropped by the connection's frame rate cap),
   *   `frame-invalid` (the result does not match the op's schema), or any code the agent
   *   answered with (e.g. `not-in-voice`).
   */
  async call<Op extends RpcOp>(
    agentId: string,
    op: Op,
    params: RpcParamsInput<Op>,
    options: AgentRpcCallOptions = {},
  ): Promise<RpcResult<Op>> {
    const timeoutMs = options.timeoutMs ?? this.options.defaultRpcTimeoutMs;
    const started = process.hrtime.bigint();
    try {
      if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_RPC_TIMEOUT_MS) {
        throw new AgentRpcException(
          ProtocolErrorCode.InvalidParams,
          `timeoutMs must be a whole number of ms from 1 to ${MAX_RPC_TIMEOUT_MS}`,
          agentId,
          op,
        );
      }
      const parsed = rpcOps[op].params.safeParse(params);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const path = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'params';
        throw new AgentRpcException(
          ProtocolErrorCode.InvalidParams,
          `invalid params for ${op}: ${path}: ${issue?.message ?? 'invalid'}`,
          agentId,
          op,
        );
      }
      if (!this.registry.get(agentId)) {
        throw new AgentRpcException(
          ProtocolErrorCode.AgentOffline,
          `agent ${agentId} is not connected`,
          agentId,
          op,
        );
      }
      let result: RpcResult<Op>;
      const viaBreaker = this.needsBreaker(agentId);
      try {
        result = viaBreaker
          ? await this.breakers.fire(agentId, () => this.send(agentId, op, parsed.data, timeoutMs))
          : await this.send(agentId, op, parsed.data, timeoutMs);
      } catch (error) {
        if (isOpenBreakerError(error)) {
          throw new AgentRpcException(
            ProtocolErrorCode.CircuitOpen,
            `agent ${agentId}'s circuit breaker is open after repeated transport failures`,
            agentId,
            op,
          );
        }
        if (error instanceof AgentRpcException && error.transport) {
          this.lastTransportFailure.set(agentId, Date.now());
          // Outside the breaker: count it as one failed call in the breaker's window (may open it).
          if (!viaBreaker) this.breakers.fire(agentId, () => Promise.reject(error)).catch(() => undefined);
        }
        throw error;
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.rpcDuration.observe({ op: op }, seconds);
      this.registry.recordRpc(agentId, { ok: true, transportFailure: false, latencyMs: seconds * 1000 });
      return result;
    } catch (error) {
      const failure =
        error instanceof AgentRpcException
          ? error
          : new AgentRpcException(ProtocolErrorCode.Internal, 'RPC failed unexpectedly', agentId, op);
      if (!(error instanceof AgentRpcException)) {
        this.logger.error(`rpc ${op} to ${agentId} failed: ${String(error)}`, (error as Error).stack);
      }
      this.recordFailure(failure, Number(process.hrtime.bigint() - started) / 1e6);
      throw failure;
    }
  }

  /** The agent's circuit breaker state (`closed` when it never failed). */
  breakerState(agentId: string): BreakerState {
    return this.breakers.state(agentId);
  }

  /** Number of calls awaiting an answer. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Settles the pending call `frame.id` when the response came over `connectionId` from the
   * agent that was asked (R3). Returns false (and changes nothing) otherwise.
   */
  handleResponse(connectionId: string, frame: RpcResponseFrame): boolean {
    const call = this.pending.get(frame.id);
    if (!call) {
      this.logger.debug(
        `connection ${connectionId}: rpc.response ${frame.id} matches no pending call; ignored`,
      );
      return false;
    }
    if (call.connectionId !== connectionId || call.agentId !== frame.agentId) {
      this.logger.warn(
        `connection ${connectionId}: rpc.response ${frame.id} from ${frame.agentId} ignored: the call went to ${call.agentId} on connection ${call.connectionId}`,
      );
      return false;
    }
    this.settle(call);
    if (frame.ok) {
      const parsed = parseRpcResult(call.op, frame.result);
      if (parsed.ok) call.resolve(parsed.result);
      else
        call.reject(
          new AgentRpcException(ProtocolErrorCode.FrameInvalid, parsed.message, call.agentId, call.op),
        );
    } else {
      call.reject(new AgentRpcException(frame.error.code, frame.error.message, call.agentId, call.op));
    }
    return true;
  }

  /**
   * True when `id` is a call still awaiting its answer that went out on `connectionId`. The
   * gateway lets such answers past the frame rate cap: their rate is bounded by our own requests.
   */
  isPendingOn(connectionId: string, id: string): boolean {
    return this.pending.get(id)?.connectionId === connectionId;
  }

  /**
   * Fails the pending call `id` with `code` when it went out on `connectionId` to `agentId`
   * (used when its response had to be dropped, ACCEPTANCE P6). Returns true when a call failed.
   */
  failCall(
    connectionId: string,
    id: string,
    agentId: string | undefined,
    code: ProtocolErrorCode,
    message: string,
  ): boolean {
    const call = this.pending.get(id);
    if (!call || call.connectionId !== connectionId || (agentId !== undefined && call.agentId !== agentId))
      return false;
    this.fail(call, code, message);
    return true;
  }

  /** Fails every call pending on `connectionId` with `agent-offline` (socket closed). */
  failConnection(connectionId: string, message: string): void {
    for (const call of [...this.pending.values()]) {
      if (call.connectionId === connectionId) this.fail(call, ProtocolErrorCode.AgentOffline, message);
    }
  }

  /** Fails every call to `agentId` pending on `connectionId` with `agent-offline`. */
  failAgent(agentId: string, connectionId: string, message: string): void {
    for (const call of [...this.pending.values()]) {
      if (call.agentId === agentId && call.connectionId === connectionId) {
        this.fail(call, ProtocolErrorCode.AgentOffline, message);
      }
    }
  }

  /** Fails every pending call with `agent-offline` (shutdown). */
  failAll(message: string): void {
    for (const call of [...this.pending.values()]) this.fail(call, ProtocolErrorCode.AgentOffline, message);
  }

  /** Stops breaker timers and fails what is still pending. */
  onModuleDestroy(): void {
    this.failAll('controller shutting down');
    this.unsubscribe();
    this.breakers.shutdownAll();
  }

  /**
   * True when calls to `agentId` must go through its breaker: it is open or half-open, or the
   * agent had a transport failure within the rolling window. Drops a closed breaker whose window
   * passed (its statistics no longer matter, and its timers cost idle CPU).
   */
  private needsBreaker(agentId: string): boolean {
    const failedAt = this.lastTransportFailure.get(agentId);
    if (failedAt === undefined) return false;
    if (Date.now() - failedAt <= this.options.breaker.rollingWindowMs) return true;
    if (this.breakers.state(agentId) !== 'closed') return true;
    this.breakers.forget(agentId);
    this.lastTransportFailure.delete(agentId);
    return false;
  }

  private send<Op extends RpcOp>(
    agentId: string,
    op: Op,
    params: unknown,
    timeoutMs: number,
  ): Promise<RpcResult<Op>> {
    const agent = this.registry.get(agentId);
    const connection = agent ? this.connections.get(agent.connectionId) : undefined;
    if (!agent || !connection?.isOpen) {
      return Promise.reject(
        new AgentRpcException(
          ProtocolErrorCode.AgentOffline,
          `agent ${agentId} is not connected`,
          agentId,
          op,
        ),
      );
    }
    const id = randomUUID();
    return new Promise<RpcResult<Op>>((resolve, reject) => {
      const call: PendingCall = {
        id,
        agentId,
        connectionId: connection.id,
        op,
        timer: setTimeout(
          () =>
            this.fail(
              call,
              ProtocolErrorCode.AgentTimeout,
              `agent ${agentId} did not answer ${op} within ${timeoutMs} ms`,
            ),
          timeoutMs,
        ),
        resolve: resolve as (result: unknown) => void,
        reject,
      };
      this.pending.set(id, call);
      const sent = connection.sendRpcRequest({
        type: 'rpc.request',
        id,
        agentId,
        op,
        params,
        timeoutMs,
      } as RpcRequestFrame);
      if (!sent) this.fail(call, ProtocolErrorCode.AgentOffline, `could not send ${op} to agent ${agentId}`);
    });
  }

  private settle(call: PendingCall): void {
    clearTimeout(call.timer);
    this.pending.delete(call.id);
  }

  private fail(call: PendingCall, code: ProtocolErrorCode, message: string): void {
    if (!this.pending.has(call.id)) return;
    this.settle(call);
    call.reject(new AgentRpcException(code, message, call.agentId, call.op));
  }

  private recordFailure(failure: AgentRpcException, latencyMs: number): void {
    this.metrics.rpcErrors.inc({ op: failure.op, code: failure.code });
    switch (failure.code) {
      case ProtocolErrorCode.CircuitOpen:
      case ProtocolErrorCode.InvalidParams:
      case ProtocolErrorCode.RateLimited:
      case ProtocolErrorCode.Internal:
        return;
      default:
        if (!failure.transport) {
          // A domain answer: the agent worked and answered; its latency is a real round trip.
          this.metrics.rpcDuration.observe({ op: failure.op }, latencyMs / 1000);
        }
        this.registry.recordRpc(failure.agentId, {
          ok: false,
          transportFailure: failure.transport,
          latencyMs,
        });
    }
  }
}
