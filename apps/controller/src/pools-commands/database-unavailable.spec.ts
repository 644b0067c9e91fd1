import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from './database-unavailable';

/** An error shaped like node-postgres' `DatabaseError` / a Node socket error (`code` string). */
function coded(code: string, message = 'failed'): Error {
  return Object.assign(new Error(message), { code });
}

describe(isDatabaseUnavailable.name, () => {
  it.each([
    ['57P01', 'terminating connection due to administrator command'],
    ['57P03', 'the database system is starting up'],
    ['08006', 'connection failure'],
    ['53300', 'sorry, too many clients already'],
    ['3D000', 'database "x" does not exist'],
    ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'],
    ['ECONNRESET', 'read ECONNRESET'],
  ])('treats %s as unavailable', (code, message) => {
    expect(isDatabaseUnavailable(coded(code, message))).toBe(true);
  });

  it('recognises a database that refuses connections (55000) by its message', () => {
    expect(isDatabaseUnavailable(coded('55000', 'database "t" is not currently accepting connections'))).toBe(
      true,
    );
    expect(isDatabaseUnavailable(coded('55000', 'object not in prerequisite state'))).toBe(false);
  });

  it('looks inside QueryFailedError, cause and AggregateError', () => {
    expect(isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], coded('57P01')))).toBe(true);
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: coded('ECONNREFUSED') }))).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([coded('ECONNREFUSED')], ''))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it('does not hide a refused statement or a bug', () => {
    expect(isDatabaseUnavailable(new QueryFailedError('INSERT', [], coded('23505', 'duplicate key')))).toBe(
      false,
    );
    expect(isDatabaseUnavailable(coded('22P02', 'invalid input syntax for type uuid'))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
  });
});
