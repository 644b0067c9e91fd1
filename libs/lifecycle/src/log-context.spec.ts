import { Writable } from 'node:stream';
import { PinoLogger } from 'nestjs-pino';
import { Store, storage } from 'nestjs-pino/storage';
import pino from 'pino';
import { withLogContext } from './log-context';

/** A pino logger whose JSON lines are collected in `lines`. */
function capturingLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ base: { app: 'test' } }, stream), lines };
}

describe(withLogContext.name, () => {
  // nestjs-pino's PinoLogger reads the logger of the current AsyncLocalStorage store.
  const sut = new PinoLogger({ pinoHttp: { level: 'silent' } });
  sut.setContext('Gateway');

  it('adds the bindings to every line logged inside, also after an await, and not outside', async () => {
    const { logger, lines } = capturingLogger();

    await storage.run(new Store(logger), async () => {
      await withLogContext(
        { connectionId: 'c1', frame: 'rpc.response', rpcId: 'r1', missing: undefined },
        async () => {
          sut.info('first');
          await new Promise((resolve) => setImmediate(resolve));
          sut.warn('after await');
        },
      );
      sut.info('outside');
    });

    expect(lines.map(({ msg, connectionId, rpcId, frame }) => ({ msg, connectionId, rpcId, frame }))).toEqual(
      [
        { msg: 'first', connectionId: 'c1', rpcId: 'r1', frame: 'rpc.response' },
        { msg: 'after await', connectionId: 'c1', rpcId: 'r1', frame: 'rpc.response' },
        { msg: 'outside', connectionId: undefined, rpcId: undefined, frame: undefined },
      ],
    );
    expect(lines[0]).not.toHaveProperty('missing');
    expect(lines[0]).toMatchObject({ app: 'test', context: 'Gateway' });
  });

  it('nests: an interaction inside a frame carries both ids; assign() adds to the innermost', () => {
    const { logger, lines } = capturingLogger();

    storage.run(new Store(logger), () =>
      withLogContext({ connectionId: 'c1' }, () =>
        withLogContext({ interactionId: 'i1' }, () => {
          sut.assign({ command: 'music' });
          sut.info('handled');
        }),
      ),
    );

    expect(lines).toEqual([
      expect.objectContaining({ msg: 'handled', connectionId: 'c1', interactionId: 'i1', command: 'music' }),
    ]);
  });

  it('returns what the function returns', () => {
    const { logger } = capturingLogger();

    expect(storage.run(new Store(logger), () => withLogContext({ a: 1 }, () => 42))).toBe(42);
  });
});
