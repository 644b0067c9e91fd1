import { ProtocolErrorCode } from '@app/protocol';
import {
  AgentRpcException,
  GatewayErrorCode,
  GatewayException,
  toErrorFrame,
} from './agent-gateway.exception';

describe(toErrorFrame.name, () => {
  it.each([
    [GatewayErrorCode.HelloRequired, 'hello-required', 1008],
    [GatewayErrorCode.MissingCredential, 'auth-failed', 1008],
    [GatewayErrorCode.InvalidCredential, 'auth-failed', 1008],
    [GatewayErrorCode.VersionRequired, 'version-required', 1008],
    [GatewayErrorCode.VersionUnsupported, 'version-unsupported', 1008],
    [GatewayErrorCode.InvalidHello, 'frame-invalid', 1008],
    [GatewayErrorCode.Stale, 'stale', 1008],
    [GatewayErrorCode.ConnectionLimit, 'connection-limit', 1013],
    [GatewayErrorCode.ShuttingDown, 'shutting-down', 1001],
    [GatewayErrorCode.Internal, 'internal', 1011],
    [GatewayErrorCode.RunnerReplaced, 'replaced', 1008],
  ])('%s is fatal: wire code %s, close %i with the code as reason', (code, wire, closeCode) => {
    const sut = toErrorFrame(new GatewayException(code, 'why'));
    expect(sut.frame).toEqual({ type: 'error', code: wire, message: 'why', fatal: true });
    expect(sut.close).toEqual({ code: closeCode, reason: wire });
  });

  it.each([
    [GatewayErrorCode.FrameTooLarge, 'frame-too-large'],
    [GatewayErrorCode.FrameInvalid, 'frame-invalid'],
    [GatewayErrorCode.RateLimited, 'rate-limited'],
    [GatewayErrorCode.AgentNotLeased, 'agent-not-leased'],
    [GatewayErrorCode.Replaced, 'replaced'],
  ])('%s is not fatal and keeps the connection open', (code, wire) => {
    const sut = toErrorFrame(new GatewayException(code, 'ignored', 'agent123'));
    expect(sut.frame).toEqual({
      type: 'error',
      code: wire,
      message: 'ignored',
      fatal: false,
      ref: { agentId: 'agent123' },
    });
    expect(sut.close).toBeNull();
  });

  it('cuts messages to the 1024 characters an error frame allows', () => {
    const sut = toErrorFrame(new GatewayException(GatewayErrorCode.FrameInvalid, 'x'.repeat(2000)));
    expect(sut.frame.message).toHaveLength(1024);
  });
});

describe(AgentRpcException.name, () => {
  it('marks timeouts, offline agents and invalid results as transport failures', () => {
    for (const code of [
      ProtocolErrorCode.AgentTimeout,
      ProtocolErrorCode.AgentOffline,
      ProtocolErrorCode.FrameInvalid,
    ]) {
      expect(new AgentRpcException(code, 'm', 'agent1', 'status').transport).toBe(true);
    }
  });

  it('marks domain answers and local refusals as non-transport', () => {
    for (const code of [
      ProtocolErrorCode.NotInVoice,
      ProtocolErrorCode.NoResults,
      ProtocolErrorCode.CircuitOpen,
      ProtocolErrorCode.InvalidParams,
      ProtocolErrorCode.RateLimited,
    ]) {
      expect(new AgentRpcException(code, 'm', 'agent1', 'music.skip').transport).toBe(false);
    }
  });
});
