import { AccessDeniedCode, AccessDeniedException } from '@app/access';
import { PoolsException, PoolsExceptionCode } from '@app/pools';
import { CommandReplyError } from '../discord';
import { PoolsCommandErrorCode, PoolsCommandException } from './pools-commands.exception';
import {
  POOLS_DATABASE_UNAVAILABLE_SENTENCE,
  poolsCommandSentence,
  toPoolsReplyError,
} from './pools-replies';

describe(toPoolsReplyError.name, () => {
  it('answers policy refusals with their sentence, labelled denied', () => {
    const reply = toPoolsReplyError(
      new AccessDeniedException(AccessDeniedCode.NotGuildAdmin, 'You need the Manage Server permission.'),
    );
    expect(reply).toEqual(new CommandReplyError('You need the Manage Server permission.', 'denied'));
    expect((reply as CommandReplyError).status).toBe('denied');
  });

  it('K4: adds a hint to the capacity refusal', () => {
    const reply = toPoolsReplyError(
      new PoolsException(PoolsExceptionCode.PoolAtCapacity, 'pool_1 is at capacity (2 of 2 agents).'),
    ) as CommandReplyError;
    expect(reply.message).toBe(
      "pool_1 is at capacity (2 of 2 agents). Approving would exceed the pool's limit; revoke an agent first (/agents revoke).",
    );
    expect(reply.status).toBe('error');
  });

  it('C5: answers an unreachable database with the "temporarily unavailable" sentence', () => {
    const down = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    });
    expect((toPoolsReplyError(down) as CommandReplyError).message).toBe(POOLS_DATABASE_UNAVAILABLE_SENTENCE);
  });

  it('leaves unknown errors to the generic answer with an error id', () => {
    const bug = new TypeError('boom');
    expect(toPoolsReplyError(bug)).toBe(bug);
  });

  it('has a sentence for every precondition code', () => {
    for (const code of Object.values(PoolsCommandErrorCode)) {
      expect(poolsCommandSentence(new PoolsCommandException(code, '<@1>')).length).toBeGreaterThan(20);
    }
  });
});
