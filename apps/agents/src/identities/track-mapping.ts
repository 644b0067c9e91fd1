import type { Track as ProtocolTrack } from '@app/protocol';
import type { Track, UnresolvedTrack } from 'lavalink-client';

/** Who queued a track, as stored on lavalink-client tracks (`requester`). */
export interface TrackRequester {
  id: string;
}

const SNOWFLAKE = /^\d{1,20}$/;

/**
 * Maps a lavalink-client track to the protocol's track (SPEC §4): `encoded` (Lavalink v4's
 * base64 track, kept so a failover agent can play exactly the same track), title, author, uri,
 * `durationMs` (Lavalink `info.length`, surfaced by lavalink-client as `info.duration`; 0 for
 * streams) and the requesting user id.
 */
export function toProtocolTrack(track: Track | UnresolvedTrack): ProtocolTrack {
  const requester = track.requester as Partial<TrackRequester> | undefined;
  const encoded = track.encoded && track.encoded.length <= 8192 ? track.encoded : undefined;
  return {
    ...(encoded ? { encoded } : {}),
    title: (track.info.title ?? '').slice(0, 512),
    author: (track.info.author ?? '').slice(0, 512),
    uri: (track.info.uri ?? '').slice(0, 2048),
    durationMs: track.info.isStream ? 0 : Math.max(0, Math.round(track.info.duration ?? 0)),
    ...(requester?.id && SNOWFLAKE.test(requester.id) ? { requestedBy: requester.id } : {}),
  };
}
