import {
  CATALOGUE_PLAYLISTS,
  CATALOGUE_TRACKS,
  LOAD_FAILURES,
  type CatalogueTrack,
} from './lavalink.catalogue';
import type {
  LavalinkException,
  LavalinkLoadResult,
  LavalinkTrack,
  LavalinkTrackInfo,
} from './lavalink.types';
import { decodeTrack, encodeTrack } from './track-codec';

/** Largest HTTP body the emulated HTTP source reads (bytes). */
const HTTP_SOURCE_MAX_BYTES = 32 * 1024 * 1024;
const HTTP_SOURCE_TIMEOUT_MS = 5000;

/**
 * Title and author the HTTP source reports when a file carries no metadata — lavaplayer
 * `MediaContainerDescriptor` defaults (`UNKNOWN_TITLE`, `UNKNOWN_ARTIST`).
 */
const UNKNOWN_TITLE = 'Unknown title';
const UNKNOWN_ARTIST = 'Unknown artist';

/** A track as the node holds it: info plus the HTTP probe info needed to re-encode it. */
export interface ResolvedTrack {
  info: LavalinkTrackInfo;
  probeInfo: string | null;
}

/** Builds the REST/WS Track object (REST API § Track) for a resolved track. */
export function toLavalinkTrack(
  track: ResolvedTrack,
  userData: Record<string, unknown> = {},
  position = 0,
): LavalinkTrack {
  const info = { ...track.info, position: Math.max(0, Math.round(position)) };
  return {
    encoded: encodeTrack({ ...track.info, position: 0 }, track.probeInfo),
    info,
    pluginInfo: {},
    userData,
  };
}

/** Decodes an encoded track into a resolved track. @throws TrackDecodeError on bad input. */
export function resolveEncoded(encoded: string): ResolvedTrack {
  const decoded = decodeTrack(encoded);
  return { info: { ...decoded.info, position: 0 }, probeInfo: decoded.probeInfo };
}

const fromCatalogue = (track: CatalogueTrack): ResolvedTrack => ({
  info: {
    identifier: track.identifier,
    isSeekable: true,
    author: track.author,
    length: track.length,
    isStream: false,
    position: 0,
    title: track.title,
    uri: track.uri,
    artworkUrl: track.artworkUrl,
    isrc: track.isrc,
    sourceName: track.sourceName,
  },
  probeInfo: null,
});

/** Internal load outcome, before tracks are encoded into the wire shape. */
export type LoadOutcome =
  | { loadType: 'track'; track: ResolvedTrack }
  | { loadType: 'playlist'; name: string; selectedTrack: number; tracks: ResolvedTrack[] }
  | { loadType: 'search'; tracks: ResolvedTrack[] }
  | { loadType: 'empty' }
  | { loadType: 'error'; exception: LavalinkException };

/** Converts a load outcome into the `/v4/loadtracks` response (REST API § Track Loading Result). */
export function toLoadResult(outcome: LoadOutcome): LavalinkLoadResult {
  switch (outcome.loadType) {
    case 'track':
      return { loadType: 'track', data: toLavalinkTrack(outcome.track) };
    case 'playlist':
      return {
        loadType: 'playlist',
        data: {
          info: { name: outcome.name, selectedTrack: outcome.selectedTrack },
          pluginInfo: {},
          tracks: outcome.tracks.map((track) => toLavalinkTrack(track)),
        },
      };
    case 'search':
      return { loadType: 'search', data: outcome.tracks.map((track) => toLavalinkTrack(track)) };
    case 'empty':
      return { loadType: 'empty', data: {} };
    case 'error':
      return { loadType: 'error', data: outcome.exception };
  }
}

/**
 * Resolves identifiers the way Lavalink's `/v4/loadtracks` does over the built-in catalogue:
 * `ytsearch:`/`ytmsearch:`/`scsearch:` prefixes search (REST API § Track Loading note: "To
 * search, you must prefix your identifier…"; the result type is `search`), YouTube and
 * SoundCloud URLs and bare catalogue identifiers load a `track` or `playlist`, other
 * `http(s)://` URLs go to the HTTP source (WAV files become tracks whose length comes from
 * the WAV header), unknown text is `empty` (Lavalink has no default search), and the
 * identifiers in {@link LOAD_FAILURES} yield `error`.
 */
export class TrackResolver {
  private readonly byIdentifier = new Map(CATALOGUE_TRACKS.map((track) => [track.identifier, track]));
  private readonly byUri = new Map(CATALOGUE_TRACKS.map((track) => [track.uri, track]));

  /** Resolves one identifier; never throws (failures are `error` outcomes). */
  async load(identifier: string): Promise<LoadOutcome> {
    const trimmed = identifier.trim();
    const failure = LOAD_FAILURES[trimmed];
    if (failure) return { loadType: 'error', exception: failure };

    const search = /^(ytsearch|ytmsearch|scsearch):(.*)$/s.exec(trimmed);
    if (search) return this.search(search[1] === 'scsearch' ? 'soundcloud' : 'youtube', search[2] ?? '');

    if (/^https?:\/\//i.test(trimmed)) return this.loadUrl(trimmed);

    const track = this.byIdentifier.get(trimmed);
    return track ? { loadType: 'track', track: fromCatalogue(track) } : { loadType: 'empty' };
  }

  /** Every catalogue track, for inspection. */
  catalogue(): ResolvedTrack[] {
    return CATALOGUE_TRACKS.map(fromCatalogue);
  }

  private search(source: CatalogueTrack['sourceName'], query: string): LoadOutcome {
    const words = query
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter(Boolean);
    if (words.length === 0) return { loadType: 'empty' };
    const ranked = CATALOGUE_TRACKS.filter((track) => track.sourceName === source)
      .map((track, order) => {
        const title = track.title.toLowerCase();
        const author = track.author.toLowerCase();
        let score = 0;
        for (const word of words) {
          if (title.includes(word)) score += 2;
          if (author.includes(word)) score += 1;
        }
        if (title === query.trim().toLowerCase()) score += 5;
        return { track, order, score };
      })
      .filter((entry) => entry.score > 0)
      .sort((a, b) => b.score - a.score || a.order - b.order);
    if (ranked.length === 0) return { loadType: 'empty' };
    return { loadType: 'search', tracks: ranked.map((entry) => fromCatalogue(entry.track)) };
  }

  private async loadUrl(raw: string): Promise<LoadOutcome> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { loadType: 'empty' };
    }
    const host = url.hostname.replace(/^(www|m|music)\./, '');
    if (host === 'youtube.com' || host === 'youtu.be') return this.loadYoutube(url, host);
    if (host === 'soundcloud.com') return this.loadSoundcloud(url);
    return this.loadHttp(url);
  }

  private loadYoutube(url: URL, host: string): LoadOutcome {
    const videoId = host === 'youtu.be' ? url.pathname.slice(1) : url.searchParams.get('v');
    const failure = videoId ? LOAD_FAILURES[videoId] : undefined;
    if (failure) return { loadType: 'error', exception: failure };
    const listId = url.searchParams.get('list');
    const playlist = listId ? CATALOGUE_PLAYLISTS.find((candidate) => candidate.id === listId) : undefined;
    if (playlist) {
      return {
        loadType: 'playlist',
        name: playlist.name,
        selectedTrack: videoId ? playlist.trackIdentifiers.indexOf(videoId) : -1,
        tracks: this.playlistTracks(playlist.trackIdentifiers),
      };
    }
    const track = videoId ? this.byIdentifier.get(videoId) : undefined;
    return track ? { loadType: 'track', track: fromCatalogue(track) } : { loadType: 'empty' };
  }

  private loadSoundcloud(url: URL): LoadOutcome {
    const normalised = `https://soundcloud.com${url.pathname.replace(/\/$/, '')}`;
    const playlist = CATALOGUE_PLAYLISTS.find((candidate) => candidate.uri === normalised);
    if (playlist) {
      return {
        loadType: 'playlist',
        name: playlist.name,
        selectedTrack: -1,
        tracks: this.playlistTracks(playlist.trackIdentifiers),
      };
    }
    const track = this.byUri.get(normalised);
    return track ? { loadType: 'track', track: fromCatalogue(track) } : { loadType: 'empty' };
  }

  private playlistTracks(identifiers: string[]): ResolvedTrack[] {
    return identifiers.flatMap((identifier) => {
      const track = this.byIdentifier.get(identifier);
      return track ? [fromCatalogue(track)] : [];
    });
  }

  /**
   * Lavaplayer's HTTP source: fetch the URL, probe the container, report length from it.
   * Error messages follow lavaplayer `HttpAudioSourceManager` ("Connecting to the URL
   * failed.", "That URL is not playable.") and container detection ("Unknown file format.").
   */
  private async loadHttp(url: URL): Promise<LoadOutcome> {
    let body: Buffer;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(HTTP_SOURCE_TIMEOUT_MS) });
      if (!response.ok) {
        await response.body?.cancel();
        return {
          loadType: 'error',
          exception: {
            message: 'That URL is not playable.',
            severity: 'common',
            cause: `java.lang.IllegalStateException: Status code ${response.status}`,
          },
        };
      }
      const declared = Number(response.headers.get('content-length') ?? '0');
      if (declared > HTTP_SOURCE_MAX_BYTES) {
        await response.body?.cancel();
        return this.unknownFormat();
      }
      body = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      return {
        loadType: 'error',
        exception: {
          message: 'Connecting to the URL failed.',
          severity: 'suspicious',
          cause: `java.io.IOException: ${error instanceof Error ? error.message : String(error)}`,
        },
      };
    }
    const durationMs = wavDurationMs(body);
    if (durationMs === null) return this.unknownFormat();
    const href = url.toString();
    return {
      loadType: 'track',
      track: {
        info: {
          identifier: href,
          isSeekable: true,
          author: UNKNOWN_ARTIST,
          length: durationMs,
          isStream: false,
          position: 0,
          title: UNKNOWN_TITLE,
          uri: href,
          artworkUrl: null,
          isrc: null,
          sourceName: 'http',
        },
        probeInfo: 'wav',
      },
    };
  }

  private unknownFormat(): LoadOutcome {
    return {
      loadType: 'error',
      exception: {
        message: 'Unknown file format.',
        severity: 'common',
        cause: 'com.sedmelluq.discord.lavaplayer.tools.FriendlyException: Unknown file format.',
      },
    };
  }
}

/**
 * Duration in ms of a RIFF/WAVE file: the `data` chunk size divided by the `fmt ` chunk's
 * byte rate (Microsoft RIFF WAVE format). Returns null when the bytes are not a WAV file.
 */
export function wavDurationMs(bytes: Buffer): number | null {
  if (
    bytes.length < 12 ||
    bytes.toString('ascii', 0, 4) !== 'RIFF' ||
    bytes.toString('ascii', 8, 12) !== 'WAVE'
  ) {
    return null;
  }
  let offset = 12;
  let byteRate: number | null = null;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    if (id === 'fmt ' && offset + 20 <= bytes.length) byteRate = bytes.readUInt32LE(offset + 16);
    if (id === 'data') return byteRate ? Math.round((size / byteRate) * 1000) : null;
    offset += 8 + size + (size % 2);
  }
  return null;
}
