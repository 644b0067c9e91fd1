import { ProtocolErrorCode } from './protocol-error';
import { ALL_CAPABILITIES, PROTOCOL_VERSION, SUPPORTED_PROTOCOL_RANGE } from './protocol.constants';

/** A parsed semantic version `major.minor.patch` (pre-release and build suffixes are ignored). */
export interface ProtocolVersion {
  major: number;
  minor: number;
  patch: number;
}

const SEMVER = /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})(?:[-+][0-9A-Za-z.-]{1,32})?$/;

/** Parses `1.2.3` (optionally `1.2.3-rc.1` / `1.2.3+build`); `undefined` when malformed. */
export function parseProtocolVersion(text: string): ProtocolVersion | undefined {
  const match = SEMVER.exec(text);
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

function compare(a: ProtocolVersion, b: ProtocolVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** Result of {@link negotiateVersion}. */
export type VersionNegotiation =
  | {
      ok: true;
      /** The version the controller speaks on this connection (its own). */
      version: string;
      /** What the peer offered, verbatim. */
      offered: string;
    }
  | {
      ok: false;
      code: ProtocolErrorCode.VersionRequired | ProtocolErrorCode.VersionUnsupported;
      message: string;
    };

const RANGE_TEXT = `${SUPPORTED_PROTOCOL_RANGE.min} – ${SUPPORTED_PROTOCOL_RANGE.max}`;

/**
 * Decides whether a peer offering protocol `offered` may talk to this build (ACCEPTANCE P3).
 * Accepted: the same major as {@link PROTOCOL_VERSION} and not below the range minimum — minor and
 * patch may differ either way (exact strings need not match). Refused with `version-required`
 * when missing/empty ("protocol version is required"), or `version-unsupported` with a message
 * naming the offered version and the supported range. Never throws.
 */
export function negotiateVersion(offered: string | null | undefined): VersionNegotiation {
  if (offered === undefined || offered === null || offered.trim() === '') {
    return { ok: false, code: ProtocolErrorCode.VersionRequired, message: 'protocol version is required' };
  }
  const parsed = parseProtocolVersion(offered);
  // Only echo the offered text when it is a well-formed version: it came from an untrusted peer.
  if (!parsed) {
    return {
      ok: false,
      code: ProtocolErrorCode.VersionUnsupported,
      message: `protocol version is malformed (expected major.minor.patch); supported range is ${RANGE_TEXT}`,
    };
  }
  const min = parseProtocolVersion(SUPPORTED_PROTOCOL_RANGE.min) as ProtocolVersion;
  const own = parseProtocolVersion(PROTOCOL_VERSION) as ProtocolVersion;
  if (parsed.major !== own.major || compare(parsed, min) < 0) {
    return {
      ok: false,
      code: ProtocolErrorCode.VersionUnsupported,
      message: `protocol version ${offered} is not supported; supported range is ${RANGE_TEXT}`,
    };
  }
  return { ok: true, version: PROTOCOL_VERSION, offered };
}

/**
 * Capabilities both sides support: the members of `supported` (default: everything this build
 * implements) that the peer offered, in `supported` order, without duplicates. Unknown offered
 * strings are ignored.
 */
export function negotiateCapabilities(
  offered: readonly string[],
  supported: readonly string[] = ALL_CAPABILITIES,
): string[] {
  const offeredSet = new Set(offered);
  return [...new Set(supported)].filter((capability) => offeredSet.has(capability));
}
