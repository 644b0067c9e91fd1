import { ProtocolErrorCode } from '@app/protocol';
import { AgentCircuitBreakers, isOpenBreakerError } from './agent-circuit-breakers';
import { AgentRpcException } from './agent-gateway.exception';

const fail = (code: ProtocolErrorCode) => () =>
  Promise.reject(new AgentRpcException(code, 'failed', 'agent1', 'music.skip'));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe(AgentCircuitBreakers.name, () => {
  let sut: AgentCircuitBreakers;

  beforeEach(() => {
    sut = new AgentCircuitBreakers({
      volumeThreshold: 3,
      errorThresholdPercentage: 50,
      rollingWindowMs: 10_000,
      resetTimeoutMs: 60_000,
    });
  });

  afterEach(() => sut.shutdownAll());

  it('never opens on domain errors, which still reject the call', async () => {
    for (let i = 0; i < 10; i += 1) {
      const error = await rejection(sut.fire('agent1', fail(ProtocolErrorCode.NotInVoice)));
      expect(error).toMatchObject({ code: ProtocolErrorCode.NotInVoice });
    }
    expect(sut.state('agent1')).toBe('closed');
    await expect(sut.fire('agent1', () => Promise.resolve('ok'))).resolves.toBe('ok');
  });

  it('opens after transport failures and then rejects at once without running the action', async () => {
    for (let i = 0; i < 3; i += 1) await rejection(sut.fire('agent1', fail(ProtocolErrorCode.AgentTimeout)));
    expect(sut.state('agent1')).toBe('open');
    const action = jest.fn(() => Promise.resolve('ok'));
    const error = await rejection(sut.fire('agent1', action));
    expect(isOpenBreakerError(error)).toBe(true);
    expect(action).not.toHaveBeenCalled();
  });

  it('keeps breakers per agent and forgets one on request', async () => {
    for (let i = 0; i < 3; i += 1) await rejection(sut.fire('agent1', fail(ProtocolErrorCode.AgentOffline)));
    expect(sut.state('agent1')).toBe('open');
    expect(sut.state('agent2')).toBe('closed');
    await expect(sut.fire('agent2', () => Promise.resolve(1))).resolves.toBe(1);
    sut.forget('agent1');
    expect(sut.state('agent1')).toBe('closed');
  });

  it('lets one trial call through after the reset timeout and closes again when it succeeds', async () => {
    const quick = new AgentCircuitBreakers({
      volumeThreshold: 1,
      errorThresholdPercentage: 50,
      rollingWindowMs: 10_000,
      resetTimeoutMs: 30,
    });
    try {
      await rejection(quick.fire('agent1', fail(ProtocolErrorCode.AgentTimeout)));
      expect(quick.state('agent1')).toBe('open');
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(quick.state('agent1')).toBe('half-open');
      await expect(quick.fire('agent1', () => Promise.resolve('back'))).resolves.toBe('back');
      expect(quick.state('agent1')).toBe('closed');
    } finally {
      quick.shutdownAll();
    }
  });
});
