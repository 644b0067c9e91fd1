import { METRIC_DEFINITIONS, OTHER_LABEL_VALUE } from '@app/metrics';
import { ProtocolErrorCode, rpcOps } from '@app/protocol';

const protocolCodes = new Set<string>(Object.values(ProtocolErrorCode));
const listed = (values: readonly string[]): string[] => values.filter((value) => value !== OTHER_LABEL_VALUE);

describe('metric label allow-lists against @app/protocol', () => {
  it('lists every RPC op, so no real op is folded into "other"', () => {
    const ops = new Set<string>(METRIC_DEFINITIONS.rpcDuration.labels.op);

    for (const op of Object.keys(rpcOps)) expect(ops).toContain(op);
    expect(METRIC_DEFINITIONS.rpcErrors.labels.op).toEqual(METRIC_DEFINITIONS.rpcDuration.labels.op);
  });

  it('uses ProtocolErrorCode wire strings for RPC error codes and gateway reasons', () => {
    const labelled = [
      ...listed(METRIC_DEFINITIONS.rpcErrors.labels.code),
      ...listed(METRIC_DEFINITIONS.gatewayRejectedRegistrations.labels.reason),
      ...listed(METRIC_DEFINITIONS.gatewayFramesDropped.labels.reason),
    ];

    for (const code of labelled) expect(protocolCodes).toContain(code);
  });

  it('uses the allocation failure codes as allocation outcomes', () => {
    const outcomes = METRIC_DEFINITIONS.sessionAllocations.labels.outcome;

    for (const code of [
      ProtocolErrorCode.NoAgentsInGuild,
      ProtocolErrorCode.NoFreeAgents,
      ProtocolErrorCode.PoolNotAccessible,
    ]) {
      expect(outcomes).toContain(code);
    }
  });
});
