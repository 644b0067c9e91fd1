import { z } from 'zod';
import { parseEnv } from '@app/config';
import { agentGatewayEnvShape, agentGatewayOptionsFromEnv } from './agent-gateway.config';

const schema = z.object(agentGatewayEnvShape);

describe(agentGatewayOptionsFromEnv.name, () => {
  it('defaults to 8787 on all interfaces with the protocol limits', () => {
    expect(agentGatewayOptionsFromEnv(parseEnv(schema, {}))).toEqual({
      port: 8787,
      host: '0.0.0.0',
      helloDeadlineMs: 8_000,
      staleAfterMs: 45_000,
      heartbeatIntervalMs: 15_000,
      maxFrameBytes: 65_536,
      maxFramesPerSecond: 200,
      frameBurst: 400,
      maxConnections: 1_000,
      maxPendingHellos: 64,
      defaultRpcTimeoutMs: 10_000,
    });
  });

  it('reads overrides', () => {
    const sut = agentGatewayOptionsFromEnv(
      parseEnv(schema, {
        AGENT_CONTROL_PORT: '9000',
        AGENT_CONTROL_HOST: '127.0.0.1',
        AGENT_STALE_AFTER_MS: '5000',
      }),
    );
    expect(sut).toMatchObject({ port: 9000, host: '127.0.0.1', staleAfterMs: 5_000 });
  });

  it('names a malformed variable', () => {
    expect(() => parseEnv(schema, { AGENT_CONTROL_PORT: 'eighty' })).toThrow(/AGENT_CONTROL_PORT/);
  });
});
