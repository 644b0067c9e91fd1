import { maskSecret, redactConfig, redactUrl } from './secrets';

describe(maskSecret.name, () => {
  it('keeps at most the last four characters of a long secret', () => {
    const token = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789';
    const sut = maskSecret(token);
    expect(sut).toBe('****6789');
    expect(sut.replace('****', '').length).toBeLessThanOrEqual(4);
  });

  it('hides short secrets entirely and marks unset ones', () => {
    expect(maskSecret('short')).toBe('****');
    expect(maskSecret(undefined)).toBe('(unset)');
    expect(maskSecret('')).toBe('(unset)');
  });
});

describe(redactConfig.name, () => {
  it('masks secret variables and URL passwords, keeps the rest', () => {
    const sut = redactConfig({
      DATABASE_URL: 'postgres://chop:hunter2@db:5432/chopsticks',
      DISCORD_TOKEN: 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijkl',
      HEALTH_PORT: 8080,
    });
    expect(sut).toEqual({
      DATABASE_URL: 'postgres://chop:****@db:5432/chopsticks',
      DISCORD_TOKEN: '****ijkl',
      HEALTH_PORT: 8080,
    });
    expect(redactUrl('not a url')).toBe('****');
  });
});
