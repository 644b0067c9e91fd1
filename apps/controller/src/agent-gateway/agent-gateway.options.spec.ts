import { HELLO_DEADLINE_MS, MAX_FRAME_BYTES, STALE_AFTER_MS } from '@app/protocol';
import { resolveAgentGatewayOptions } from './agent-gateway.options';

describe(resolveAgentGatewayOptions.name, () => {
  it('defaults to port 8787 and the protocol limits (64 KiB, 8 s hello, 45 s stale)', () => {
    const sut = resolveAgentGatewayOptions();
    expect(sut).toMatchObject({
      port: 8787,
      maxFrameBytes: MAX_FRAME_BYTES,
      helloDeadlineMs: HELLO_DEADLINE_MS,
      staleAfterMs: STALE_AFTER_MS,
      maxConnections: 1000,
    });
    expect(sut.hardMaxFrameBytes).toBeGreaterThan(sut.maxFrameBytes);
  });

  it('keeps defaults for options given as undefined and merges breaker overrides', () => {
    const sut = resolveAgentGatewayOptions({ port: undefined, breaker: { volumeThreshold: 2 } });
    expect(sut.port).toBe(8787);
    expect(sut.breaker.volumeThreshold).toBe(2);
    expect(sut.breaker.resetTimeoutMs).toBe(15_000);
  });

  it('accepts port 0 (any free port)', () => {
    expect(resolveAgentGatewayOptions({ port: 0 }).port).toBe(0);
  });

  it.each([
    [{ port: 70_000 }, /port/],
    [{ staleAfterMs: 0 }, /staleAfterMs/],
    [{ maxConnections: -1 }, /maxConnections/],
    [{ maxFrameBytes: 2_000_000 }, /hardMaxFrameBytes must exceed maxFrameBytes/],
  ])('refuses %j', (options, message) => {
    expect(() => resolveAgentGatewayOptions(options)).toThrow(message);
  });
});
