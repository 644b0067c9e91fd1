import { AccessDeniedCode, AccessDeniedException } from '@app/access';
import { PoolsException, PoolsExceptionCode } from '@app/pools';
import { TokenVerificationError, TokenVerificationFailure } from '../bot-tokens';
import { DeployException, DeployExceptionCode } from '../deploy';
import { CommandReplyError } from '../discord';
import { AgentsCommandErrorCode, AgentsCommandException } from './agents-commands.exception';
import { DATABASE_UNAVAILABLE_SENTENCE, toAgentsReplyError } from './agents-replies';
import { idleSecondsFrom, parseAgent } from './agents.commands';

describe('/agents option parsing', () => {
  it('accepts an agent id, a bare client id or a mention', () => {
    expect(parseAgent('agent123456789012345678')).toBe('agent123456789012345678');
    expect(parseAgent(' 123456789012345678 ')).toBe('agent123456789012345678');
    expect(parseAgent('<@!123456789012345678>')).toBe('agent123456789012345678');
    expect(() => parseAgent('agent12')).toThrow(AgentsCommandException);
  });

  it('idle_policy takes exactly one of minutes, use_default:true or disable:true', () => {
    expect(idleSecondsFrom({ minutes: 1 })).toBe(60);
    expect(idleSecondsFrom({ useDefault: true })).toBeNull();
    expect(idleSecondsFrom({ disable: true })).toBe(0);
    for (const invalid of [{}, { minutes: 5, disable: true }, { useDefault: false }, { minutes: 0 }]) {
      expect(() => idleSecondsFrom(invalid)).toThrow(AgentsCommandException);
    }
  });
});

describe(toAgentsReplyError.name, () => {
  const sentence = (error: unknown) => toAgentsReplyError(error) as CommandReplyError;

  it('D1: a desired total above 49 becomes a sentence naming the limit', () => {
    const sut = sentence(new DeployException(DeployExceptionCode.DesiredTotalTooHigh, 'x'));
    expect(sut).toBeInstanceOf(CommandReplyError);
    expect(sut.message).toContain('at most 49 agents');
    expect(sut.status).toBe('invalid');
  });

  it('maps refusals to statuses: access → denied, pools forbidden → denied, precondition → invalid', () => {
    expect(
      sentence(new AccessDeniedException(AccessDeniedCode.NotBotOwner, 'Only the bot owners can do this.')),
    ).toMatchObject({
      message: 'Only the bot owners can do this.',
      status: 'denied',
    });
    expect(sentence(new PoolsException(PoolsExceptionCode.Forbidden, 'No.')).status).toBe('denied');
    expect(sentence(new AgentsCommandException(AgentsCommandErrorCode.IdlePolicyChoice, 'x')).status).toBe(
      'invalid',
    );
  });

  it('a refused token never echoes anything but the reason', () => {
    const sut = sentence(
      new TokenVerificationError(
        TokenVerificationFailure.Rejected,
        'Discord rejected the token (401 Unauthorized).',
      ),
    );
    expect(sut.message).toContain('Nothing was stored');
  });

  it('a connection failure of Postgres is "temporarily unavailable"', () => {
    expect(sentence(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).message).toBe(
      DATABASE_UNAVAILABLE_SENTENCE,
    );
    const unknown = new Error('boom');
    expect(toAgentsReplyError(unknown)).toBe(unknown);
  });
});
