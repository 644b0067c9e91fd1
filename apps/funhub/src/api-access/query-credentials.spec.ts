import { ApiKeyRing } from './api-keys';
import { isCredentialQueryName, queryCarriesCredential, redactedRequestUrl } from './query-credentials';

describe('query credentials', () => {
  const key = 'k'.repeat(8) + 'secret-key-value';
  const keys = new ApiKeyRing([key]);

  it('recognises credential-looking names in any spelling', () => {
    for (const name of [
      'api_key',
      'apiKey',
      'X-Api-Key',
      'x_api_key',
      'key',
      'access_token',
      'client-secret',
      'auth',
      'password',
      'signature',
    ])
      expect(isCredentialQueryName(name)).toBe(true);
    for (const name of [
      'q',
      'tag',
      'category',
      'categories',
      'intensity',
      'page',
      'pageSize',
      'count',
      'target',
      'actor',
      'format',
    ])
      expect(isCredentialQueryName(name)).toBe(false);
  });

  it('finds a configured key under any parameter name, as a value or a name, single or repeated', () => {
    const sut = (query: unknown) => queryCarriesCredential(query, keys);
    expect(sut({ q: key })).toBe(true);
    expect(sut({ tag: ['fun', key] })).toBe(true);
    expect(sut({ [key]: '' })).toBe(true);
    expect(sut({ x_api_key: 'not-a-key' })).toBe(true);
    expect(sut({ q: `${key}x`, page: '2' })).toBe(false);
    expect(sut({})).toBe(false);
    expect(sut(undefined)).toBe(false);
  });

  it('keeps the path and the names, never a value', () => {
    expect(redactedRequestUrl('/api/fun/catalog?q=hello&page=2', { q: 'hello', page: '2' })).toBe(
      '/api/fun/catalog?q=[redacted]&page=[redacted]',
    );
    expect(redactedRequestUrl('/api/fun/random', {})).toBe('/api/fun/random');
    expect(redactedRequestUrl('/x?a%20b=1', { 'a b': '1' })).toBe('/x?a%20b=[redacted]');
  });
});
