import { AgentRpcException } from '@apps/controller';

/**
 * Awaits a call that must fail and returns its {@link AgentRpcException}.
 * @throws Error when the call resolves or rejects with anything else
 */
export async function rpcError(promise: Promise<unknown>): Promise<AgentRpcException> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof AgentRpcException))
    throw new Error(`expected AgentRpcException, got ${String(error)}`);
  return error;
}
