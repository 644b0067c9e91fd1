import { trustProxySetting } from './admin-api.config';

describe('trustProxySetting (TRUST_PROXY)', () => {
  it('is false when unset, empty or false, so the TCP peer is the client', () => {
    expect(trustProxySetting.parse(undefined)).toBe(false);
    expect(trustProxySetting.parse('')).toBe(false);
    expect(trustProxySetting.parse('FALSE')).toBe(false);
  });

  it('reads true, a hop count, and a list of IPs, CIDR ranges and proxy-addr names', () => {
    expect(trustProxySetting.parse('true')).toBe(true);
    expect(trustProxySetting.parse('2')).toBe(2);
    expect(trustProxySetting.parse('10.0.0.0/8, 192.168.1.7,::1,fd00::/8,loopback')).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
      '::1',
      'fd00::/8',
      'loopback',
    ]);
  });

  it('refuses a zero or huge hop count, malformed addresses and out-of-range prefixes', () => {
    for (const bad of [
      '0',
      '33',
      'proxy.example.com',
      '10.0.0.0/33',
      '::1/129',
      '10.0.0.1/8/2',
      '300.1.1.1',
      'yes',
    ])
      expect(trustProxySetting.safeParse(bad).success).toBe(false);
  });
});
