import { Writable } from 'node:stream';
import pino from 'pino';
import { REDACTED_LOG_PATHS, requestIdFor } from './logging.module';

describe('LoggingModule redaction', () => {
  it('replaces credentials in request headers and secret-named fields up to two levels deep', () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const sut = pino({ redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' } }, stream);

    sut.info(
      {
        req: {
          headers: { authorization: 'Bearer t0ken', cookie: 'sid=s3cret', 'x-api-key': 'k3y', host: 'x' },
        },
        token: 'bot-token-value',
        agent: { token: 'nested-token', tag: 'Agent 1' },
        runner: { credential: { secret: 'deep-secret' }, apiKey: 'api-key-value' },
      },
      'hello',
    );

    const text = JSON.stringify(lines);
    for (const secret of [
      't0ken',
      's3cret',
      'k3y',
      'bot-token-value',
      'nested-token',
      'deep-secret',
      'api-key-value',
    ])
      expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      req: { headers: { authorization: '[redacted]', host: 'x' } },
      token: '[redacted]',
      agent: { token: '[redacted]', tag: 'Agent 1' },
    });
  });
});

describe(requestIdFor.name, () => {
  it('keeps a short caller-supplied x-request-id and replaces anything else with a UUID', () => {
    expect(requestIdFor({ headers: { 'x-request-id': 'trace-42.a_b' } })).toBe('trace-42.a_b');
    expect(requestIdFor({ headers: { 'x-request-id': 'bad id with spaces' } })).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdFor({ headers: { 'x-request-id': 'x'.repeat(65) } })).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdFor({ headers: {} })).toMatch(/^[0-9a-f-]{36}$/);
  });
});
