import {
  CloseCode,
  MAX_CLOSE_REASON_BYTES,
  ProtocolErrorCode,
  TRANSPORT_ERROR_CODES,
  closeFor,
  isTransportFailure,
  truncateCloseReason,
} from '@app/protocol';

describe(isTransportFailure.name, () => {
  it.each([
    ProtocolErrorCode.AgentOffline,
    ProtocolErrorCode.AgentTimeout,
    ProtocolErrorCode.FrameInvalid,
    ProtocolErrorCode.FrameTooLarge,
  ])('counts %s toward the circuit breaker', (code) => {
    expect(isTransportFailure(code)).toBe(true);
  });

  it.each([
    ProtocolErrorCode.NotInVoice,
    ProtocolErrorCode.NotPlaying,
    ProtocolErrorCode.NoResults,
    ProtocolErrorCode.InvalidParams,
    ProtocolErrorCode.AgentBusy,
    ProtocolErrorCode.CircuitOpen,
  ])('never counts the domain error %s', (code) => {
    expect(isTransportFailure(code)).toBe(false);
  });

  it('has exactly four transport codes', () => {
    expect(TRANSPORT_ERROR_CODES.size).toBe(4);
  });
});

describe(closeFor.name, () => {
  it.each([
    ProtocolErrorCode.HelloRequired,
    ProtocolErrorCode.AuthFailed,
    ProtocolErrorCode.VersionRequired,
    ProtocolErrorCode.VersionUnsupported,
    ProtocolErrorCode.Stale,
  ])('closes %s with 1008 policy violation and the code as reason', (code) => {
    expect(closeFor(code)).toEqual({ code: CloseCode.PolicyViolation, reason: code });
  });

  it('uses 1001 for shutdown, 1013 for the connection cap and 1011 for internal errors', () => {
    expect(closeFor(ProtocolErrorCode.ShuttingDown).code).toBe(1001);
    expect(closeFor(ProtocolErrorCode.ConnectionLimit).code).toBe(1013);
    expect(closeFor(ProtocolErrorCode.Internal).code).toBe(1011);
  });

  it('appends a detail and keeps the reason within 123 bytes', () => {
    const instruction = closeFor(ProtocolErrorCode.VersionUnsupported, 'ü'.repeat(200));
    expect(instruction.reason.startsWith('version-unsupported: ü')).toBe(true);
    expect(Buffer.byteLength(instruction.reason)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
  });
});

describe(truncateCloseReason.name, () => {
  it('keeps short reasons and never splits a multi-byte character', () => {
    expect(truncateCloseReason('auth-failed')).toBe('auth-failed');
    const cut = truncateCloseReason('€'.repeat(100));
    expect(Buffer.byteLength(cut)).toBe(123);
    expect(cut).toBe('€'.repeat(41));
  });
});
