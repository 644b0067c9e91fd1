import { PROTOCOL_VERSION, ProtocolErrorCode, negotiateCapabilities, negotiateVersion } from '@app/protocol';

describe(negotiateVersion.name, () => {
  it.each([undefined, null, '', '   '])(
    'P3: a missing version (%p) is refused with "protocol version is required"',
    (offered) => {
      expect(negotiateVersion(offered)).toEqual({
        ok: false,
        code: ProtocolErrorCode.VersionRequired,
        message: 'protocol version is required',
      });
    },
  );

  it('P3: an unsupported major is refused naming the offered version and the supported range', () => {
    const result = negotiateVersion('2.0.0');
    expect(result).toEqual({
      ok: false,
      code: ProtocolErrorCode.VersionUnsupported,
      message: 'protocol version 2.0.0 is not supported; supported range is 1.0.0 – 1.x',
    });
  });

  it.each(['0.9.0', '0.0.1'])('refuses %s, below the supported minimum', (offered) => {
    const result = negotiateVersion(offered);
    expect(result).toMatchObject({ ok: false, code: ProtocolErrorCode.VersionUnsupported });
    if (!result.ok) expect(result.message).toContain(offered);
  });

  it.each(['1.0.0', '1.0.7', '1.4.0', '1.99.3', '1.2.0-rc.1', '1.0.0+build.5'])(
    'accepts %s: minor and patch differences are compatible',
    (offered) => {
      expect(negotiateVersion(offered)).toEqual({ ok: true, version: PROTOCOL_VERSION, offered });
    },
  );

  it('refuses a malformed version without echoing it', () => {
    const result = negotiateVersion('v1; DROP TABLE');
    expect(result).toMatchObject({ ok: false, code: ProtocolErrorCode.VersionUnsupported });
    if (!result.ok) {
      expect(result.message).not.toContain('DROP');
      expect(result.message).toContain('1.0.0 – 1.x');
    }
  });
});

describe(negotiateCapabilities.name, () => {
  it('returns the intersection in the supported order, ignoring unknown and duplicate offers', () => {
    expect(negotiateCapabilities(['assistant', 'time-travel', 'music', 'music'])).toEqual([
      'music',
      'assistant',
    ]);
  });

  it('returns nothing when nothing overlaps', () => {
    expect(negotiateCapabilities(['x'], ['music'])).toEqual([]);
  });
});
