import { AccessException, AccessExceptionCode } from '@app/access';
import { PoolsException, PoolsExceptionCode } from '@app/pools';
import { SessionsErrorCode, SessionsException } from '@app/sessions';
import { DeployException, DeployExceptionCode } from '../deploy';
import { AdminApiErrorCode, AdminApiException } from './admin-api.exception';
import { problemMappingOf, problemTitle, problemType } from './problem-details';

describe('problemMappingOf', () => {
  it.each([
    [new AdminApiException(AdminApiErrorCode.Unauthenticated, 'x'), 401, 'UNAUTHENTICATED'],
    [new AdminApiException(AdminApiErrorCode.InsufficientScope, 'x'), 403, 'INSUFFICIENT_SCOPE'],
    [new AdminApiException(AdminApiErrorCode.RateLimited, 'x', 5), 429, 'RATE_LIMITED'],
    [new PoolsException(PoolsExceptionCode.PoolNotFound, 'x'), 404, 'POOL_NOT_FOUND'],
    [new PoolsException(PoolsExceptionCode.PoolExists, 'x'), 409, 'POOL_EXISTS'],
    [new PoolsException(PoolsExceptionCode.InvalidInput, 'x'), 400, 'INVALID_INPUT'],
    [new AccessException(AccessExceptionCode.ApiKeyNotFound, 'x'), 404, 'API_KEY_NOT_FOUND'],
    [new DeployException(DeployExceptionCode.VerificationDisabled, 'x'), 503, 'VERIFICATION_DISABLED'],
    [new SessionsException(SessionsErrorCode.AgentOffline, 'x'), 409, 'AGENT_OFFLINE'],
  ])('maps %p to %i %s', (error, status, code) => {
    expect(problemMappingOf(error)).toEqual({ status, code });
  });

  it('leaves unknown errors unmapped (answered as a generic 500)', () => {
    expect(problemMappingOf(new Error('db password=hunter2'))).toBeNull();
  });

  it('builds stable kebab-case type URIs and short titles from codes', () => {
    expect(problemType('INSUFFICIENT_SCOPE')).toBe('https://chopsticks.dev/problems/insufficient-scope');
    expect(problemTitle('POOL_NOT_FOUND')).toBe('Pool not found');
  });
});
