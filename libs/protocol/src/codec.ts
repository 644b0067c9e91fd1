import type { z } from 'zod';
import {
  type AgentAnnounceFrame,
  type AnnouncedAgent,
  type ControllerFrame,
  type RunnerFrame,
  controllerFrameSchema,
  runnerFrameSchema,
} from './frames';
import { ProtocolErrorCode, ProtocolException } from './protocol-error';
import { MAX_FRAME_BYTES } from './protocol.constants';
import { type RpcOp, type RpcResult, rpcOps } from './rpc-ops';

/**
 * Which way a frame travels: `runner-to-controller` frames are parsed by the controller's agent
 * gateway; `controller-to-runner` frames by the runner.
 */
export const FrameDirection = {
  RunnerToController: 'runner-to-controller',
  ControllerToRunner: 'controller-to-runner',
} as const;
export type FrameDirection = (typeof FrameDirection)[keyof typeof FrameDirection];

/** Frame type for a direction. */
export type FrameFor<D extends FrameDirection> = D extends 'runner-to-controller'
  ? RunnerFrame
  : ControllerFrame;

/** What `ws` hands to a `message` listener (`WebSocket.RawData`), or a string. */
export type RawFrame = string | Buffer | ArrayBuffer | Buffer[];

/** Outcome of {@link parseFrame}. `message` is safe to send back in an `error` frame and to log. */
export type ParseResult<F> =
  | { ok: true; frame: F }
  | {
      ok: false;
      error:
        | ProtocolErrorCode.FrameTooLarge
        | ProtocolErrorCode.FrameInvalid
        | ProtocolErrorCode.VersionRequired
        | ProtocolErrorCode.AuthFailed;
      message: string;
    };

/** Options for {@link parseFrame}. */
export interface ParseFrameOptions {
  /** Byte cap (default {@link MAX_FRAME_BYTES}, 64 KiB). */
  maxFrameBytes?: number;
}

const SCHEMAS = {
  'runner-to-controller': runnerFrameSchema,
  'controller-to-runner': controllerFrameSchema,
} as const;

/** Frame `type`s per direction (kept beside the unions above; a unit test checks they agree). */
export const FRAME_TYPES: Record<FrameDirection, readonly string[]> = {
  'runner-to-controller': [
    'hello',
    'agent.announce',
    'agent.update',
    'agent.gone',
    'rpc.response',
    'session.report',
    'event',
    'ping',
    'pong',
    'drain',
  ],
  'controller-to-runner': ['welcome', 'error', 'rpc.request', 'ping', 'pong', 'shutdown'],
};
const FRAME_TYPE_SETS: Record<FrameDirection, ReadonlySet<string>> = {
  'runner-to-controller': new Set(FRAME_TYPES['runner-to-controller']),
  'controller-to-runner': new Set(FRAME_TYPES['controller-to-runner']),
};

function byteLengthOf(raw: RawFrame): number {
  if (typeof raw === 'string') return Buffer.byteLength(raw, 'utf8');
  if (Array.isArray(raw)) return raw.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  return raw.byteLength;
}

function textOf(raw: RawFrame): string {
  if (typeof raw === 'string') return raw;
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8');
  if (raw instanceof ArrayBuffer) return Buffer.from(raw).toString('utf8');
  return raw.toString('utf8');
}

/** Quotes untrusted text for an error message: JSON-escaped and cut to 40 characters. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, 3).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(frame)';
    return `${path}: ${issue.message}`;
  });
  const more = issues.length > 3 ? ` (+${issues.length - 3} more)` : '';
  return shown.join('; ') + more;
}

/**
 * Parses and validates one raw WebSocket message travelling in `direction`. Never throws.
 *
 * Rejections: `frame-too-large` when the message exceeds the byte cap (checked before decoding,
 * ACCEPTANCE P5); `frame-invalid` for invalid JSON, a non-object, a missing or unknown `type`, or
 * a schema failure (the message names up to three offending paths, never their values). For
 * `hello` frames, a missing protocol version gives `version-required` with "protocol version is
 * required" (ACCEPTANCE P3) and a missing credential gives `auth-failed` (P1).
 */
export function parseFrame<D extends FrameDirection>(
  raw: RawFrame,
  direction: D,
  options: ParseFrameOptions = {},
): ParseResult<FrameFor<D>> {
  const maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
  const size = byteLengthOf(raw);
  if (size > maxFrameBytes) {
    return {
      ok: false,
      error: ProtocolErrorCode.FrameTooLarge,
      message: `frame of ${size} bytes exceeds the ${maxFrameBytes}-byte limit`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(textOf(raw));
  } catch {
    return { ok: false, error: ProtocolErrorCode.FrameInvalid, message: 'frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: ProtocolErrorCode.FrameInvalid, message: 'frame must be a JSON object' };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') {
    return { ok: false, error: ProtocolErrorCode.FrameInvalid, message: 'frame has no string "type"' };
  }
  if (!FRAME_TYPE_SETS[direction].has(type)) {
    return { ok: false, error: ProtocolErrorCode.FrameInvalid, message: `unknown frame type ${quote(type)}` };
  }
  const result = SCHEMAS[direction].safeParse(value);
  if (result.success) return { ok: true, frame: result.data as FrameFor<D> };
  if (type === 'hello') {
    const hello = value as { protocol?: { version?: unknown }; credential?: unknown };
    const version =
      typeof hello.protocol === 'object' && hello.protocol !== null ? hello.protocol.version : undefined;
    if (version === undefined || version === null || version === '') {
      return { ok: false, error: ProtocolErrorCode.VersionRequired, message: 'protocol version is required' };
    }
    if (hello.credential === undefined || hello.credential === null || hello.credential === '') {
      return { ok: false, error: ProtocolErrorCode.AuthFailed, message: 'runner credential is required' };
    }
  }
  return {
    ok: false,
    error: ProtocolErrorCode.FrameInvalid,
    message: `invalid ${quote(type)} frame: ${describeIssues(result.error.issues)}`,
  };
}

/**
 * Serializes a frame to JSON after validating it against its direction's schema, so this side
 * never sends what the peer would reject.
 * @throws ProtocolException `frame-invalid` when the frame does not match its schema, or
 *   `frame-too-large` when the JSON exceeds `maxFrameBytes` (default 64 KiB).
 */
export function encodeFrame<D extends FrameDirection>(
  direction: D,
  frame: z.input<(typeof SCHEMAS)[D]>,
  options: ParseFrameOptions = {},
): string {
  const result = SCHEMAS[direction].safeParse(frame);
  if (!result.success) {
    throw new ProtocolException(
      ProtocolErrorCode.FrameInvalid,
      `refusing to send an invalid frame: ${describeIssues(result.error.issues)}`,
    );
  }
  const text = JSON.stringify(result.data);
  const maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
  const size = Buffer.byteLength(text, 'utf8');
  if (size > maxFrameBytes) {
    throw new ProtocolException(
      ProtocolErrorCode.FrameTooLarge,
      `refusing to send a ${size}-byte frame; the limit is ${maxFrameBytes} bytes`,
    );
  }
  return text;
}

/** Outcome of {@link parseRpcResult}. */
export type RpcResultParse<Op extends RpcOp> =
  | { ok: true; result: RpcResult<Op> }
  | { ok: false; error: ProtocolErrorCode.FrameInvalid; message: string };

/**
 * Validates the `result` of a successful `rpc.response` against the result schema of the `op`
 * that was called (the caller knows it from its pending call). Never throws; a mismatch is
 * `frame-invalid`, a transport failure from the caller's point of view.
 */
export function parseRpcResult<Op extends RpcOp>(op: Op, result: unknown): RpcResultParse<Op> {
  const parsed = rpcOps[op].result.safeParse(result);
  if (parsed.success) return { ok: true, result: parsed.data as RpcResult<Op> };
  return {
    ok: false,
    error: ProtocolErrorCode.FrameInvalid,
    message: `invalid result for ${op}: ${describeIssues(parsed.error.issues)}`,
  };
}

/**
 * Splits `agents` into as few `agent.announce` frames as fit under `maxFrameBytes` each (greedy,
 * order kept), so one runner can announce hundreds of agents without hitting the frame cap.
 * @throws ProtocolException `frame-too-large` when a single agent alone does not fit.
 */
export function packAnnounceFrames(
  agents: readonly AnnouncedAgent[],
  maxFrameBytes: number = MAX_FRAME_BYTES,
): AgentAnnounceFrame[] {
  const envelope = Buffer.byteLength(JSON.stringify({ type: 'agent.announce', agents: [] }), 'utf8');
  const frames: AgentAnnounceFrame[] = [];
  let batch: AnnouncedAgent[] = [];
  let bytes = envelope;
  for (const agent of agents) {
    const size = Buffer.byteLength(JSON.stringify(agent), 'utf8');
    if (envelope + size > maxFrameBytes) {
      throw new ProtocolException(
        ProtocolErrorCode.FrameTooLarge,
        `agent ${agent.agentId} alone needs ${envelope + size} bytes; the limit is ${maxFrameBytes}`,
      );
    }
    const separator = batch.length > 0 ? 1 : 0;
    if (bytes + separator + size > maxFrameBytes || batch.length >= 1000) {
      frames.push({ type: 'agent.announce', agents: batch });
      batch = [];
      bytes = envelope;
    }
    bytes += (batch.length > 0 ? 1 : 0) + size;
    batch.push(agent);
  }
  if (batch.length > 0) frames.push({ type: 'agent.announce', agents: batch });
  return frames;
}
