import { decodeTrack, encodeTrack, TrackDecodeError } from './track-codec';

/**
 * A version-3 track encoded by a real Lavalink node (published in the Lavalink4NET "Track
 * decoding" docs): the emulator must read it and write the identical bytes back.
 */
const REAL_LAVALINK_TRACK =
  'QAAA2QMAPFJpY2sgQXN0bGV5IC0gTmV2ZXIgR29ubmEgR2l2ZSBZb3UgVXAgKE9mZmljaWFsIE11c2ljIFZpZGVvKQALUmljayBBc3RsZXkAAAAAAANACAALZFF3NHc5V2dYY1EAAQAraHR0cHM6Ly93d3cueW91dHViZS5jb20vd2F0Y2g/dj1kUXc0dzlXZ1hjUQEANGh0dHBzOi8vaS55dGltZy5jb20vdmkvZFF3NHc5V2dYY1EvbWF4cmVzZGVmYXVsdC5qcGcAAAd5b3V0dWJlAAAAAAAAAAA=';

describe('track codec', () => {
  it('decodes a track encoded by real Lavalink and re-encodes it byte for byte', () => {
    const sut = decodeTrack(REAL_LAVALINK_TRACK);
    expect(sut.info).toEqual({
      identifier: 'dQw4w9WgXcQ',
      isSeekable: true,
      author: 'Rick Astley',
      length: 213_000,
      isStream: false,
      position: 0,
      title: 'Rick Astley - Never Gonna Give You Up (Official Music Video)',
      uri: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ',
      artworkUrl: 'https://i.ytimg.com/vi/dQw4w9WgXcQ/maxresdefault.jpg',
      isrc: null,
      sourceName: 'youtube',
    });
    expect(encodeTrack(sut.info)).toBe(REAL_LAVALINK_TRACK);
  });

  it('round-trips an http track with its probe info', () => {
    const info = {
      identifier: 'http://127.0.0.1:1/tts?text=hi',
      isSeekable: true,
      author: 'Unknown artist',
      length: 500,
      isStream: false,
      position: 0,
      title: 'Unknown title',
      uri: 'http://127.0.0.1:1/tts?text=hi',
      artworkUrl: null,
      isrc: null,
      sourceName: 'http',
    };
    expect(decodeTrack(encodeTrack(info, 'wav'))).toEqual({ info, probeInfo: 'wav' });
  });

  it('rejects strings that are not track data', () => {
    expect(() => decodeTrack('not base64!')).toThrow(TrackDecodeError);
    expect(() => decodeTrack(Buffer.from('hello world').toString('base64'))).toThrow(TrackDecodeError);
    expect(() => decodeTrack(REAL_LAVALINK_TRACK.slice(0, 40))).toThrow(TrackDecodeError);
  });
});
