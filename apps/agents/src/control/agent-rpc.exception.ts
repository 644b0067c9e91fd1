import { ProtocolErrorCode } from '@app/protocol';

/**
 * A domain or admission failure of one RPC at an agent (e.g. `not-in-voice`), answered as
 * `rpc.response {ok: false, error: {code, message}}`. `message` is shown to users and logged:
 * it must never contain a token or credential.
 */
export class AgentRpcException extends Error {
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AgentRpcException';
  }
}
