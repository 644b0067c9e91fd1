import { redactOAuthQuery } from './web-setup';

describe(redactOAuthQuery.name, () => {
  it('replaces the values of code and state, whatever their case or encoding, and keeps the rest', () => {
    expect(redactOAuthQuery('/auth/callback?code=abc&state=xyz')).toBe(
      '/auth/callback?code=[redacted]&state=[redacted]',
    );
    expect(redactOAuthQuery('/auth/callback?error=access_denied&STATE=xyz&%63ode=abc')).toBe(
      '/auth/callback?error=access_denied&STATE=[redacted]&%63ode=[redacted]',
    );
    expect(redactOAuthQuery('/audit?guild=1&cursor=abc')).toBe('/audit?guild=1&cursor=abc');
    expect(redactOAuthQuery('/sessions')).toBe('/sessions');
    expect(redactOAuthQuery('/x?%E0%A4%A=1&code')).toBe('/x?%E0%A4%A=1&code=[redacted]');
  });
});
