import type { LavalinkException } from './lavalink.types';

/**
 * The emulator's built-in music catalogue: fictional artists and titles with realistic
 * metadata (2–6 minute lengths, 11-character YouTube ids, SoundCloud permalinks, artwork,
 * ISRCs). URIs follow the shapes Lavalink's YouTube and SoundCloud sources return
 * (lavalink.dev REST API § Track Info example: `https://www.youtube.com/watch?v=<id>`,
 * artwork `https://i.ytimg.com/vi/<id>/maxresdefault.jpg`).
 */
export interface CatalogueTrack {
  identifier: string;
  title: string;
  author: string;
  /** Length in ms. */
  length: number;
  sourceName: 'youtube' | 'soundcloud';
  uri: string;
  artworkUrl: string;
  isrc: string;
}

/** A playlist as Lavalink's `playlist` load result describes it (REST API § Playlist Info). */
export interface CataloguePlaylist {
  /** YouTube `list=` id or SoundCloud set permalink. */
  id: string;
  name: string;
  uri: string;
  trackIdentifiers: string[];
}

const ms = (minutes: number, seconds: number): number => (minutes * 60 + seconds) * 1000;

const youtube = (
  identifier: string,
  title: string,
  author: string,
  length: number,
  isrc: string,
): CatalogueTrack => ({
  identifier,
  title,
  author,
  length,
  sourceName: 'youtube',
  uri: `https://www.youtube.com/watch?v=${identifier}`,
  artworkUrl: `https://i.ytimg.com/vi/${identifier}/maxresdefault.jpg`,
  isrc,
});

const soundcloud = (
  trackId: number,
  permalink: string,
  title: string,
  author: string,
  length: number,
  isrc: string,
): CatalogueTrack => ({
  identifier: `O:https://api-v2.soundcloud.com/media/soundcloud:tracks:${trackId}/stream/hls`,
  title,
  author,
  length,
  sourceName: 'soundcloud',
  uri: `https://soundcloud.com/${permalink}`,
  artworkUrl: `https://i1.sndcdn.com/artworks-${trackId}-original.jpg`,
  isrc,
});

/** 32 tracks: 20 on the YouTube source, 12 on the SoundCloud source. */
export const CATALOGUE_TRACKS: readonly CatalogueTrack[] = [
  youtube('cSb7kQ2rT4a', 'Neon Harbor', 'The Paper Lanterns', ms(3, 32), 'QZSB72400001'),
  youtube('dW3mLp9xQ1b', 'Midnight Tramlines', 'The Paper Lanterns', ms(4, 5), 'QZSB72400002'),
  youtube('eF8nVt6yU2c', 'Static Bloom', 'Juniper Vale', ms(2, 58), 'QZSB72400003'),
  youtube('fG1oWr3zI3d', 'Copper Skies', 'Juniper Vale', ms(3, 47), 'QZSB72400004'),
  youtube('gH4pXs7aO4e', 'Glass Orchard', 'Marlowe & the Tides', ms(5, 12), 'QZSB72400005'),
  youtube('hJ7qYu2bP5f', 'Salt and Satellites', 'Marlowe & the Tides', ms(4, 21), 'QZSB72400006'),
  youtube('iK2rZv5cA6g', 'Lighthouse Radio', 'Ostrava Nights', ms(3, 3), 'QZSB72400007'),
  youtube('jL5sAw8dS7h', 'Velvet Engine', 'Ostrava Nights', ms(3, 39), 'QZSB72400008'),
  youtube('kM8tBx1eD8i', 'Paper Moon Parade', 'Cass Ortega', ms(2, 44), 'QZSB72400009'),
  youtube('lN3uCy4fF9j', 'Summer in Reverse', 'Cass Ortega', ms(3, 56), 'QZSB72400010'),
  youtube('mP6vDz7gG0k', 'Northern Wires', 'Halden Drive', ms(4, 48), 'QZSB72400011'),
  youtube('nQ9wEa0hH1l', 'Quiet Voltage', 'Halden Drive', ms(5, 36), 'QZSB72400012'),
  youtube('oR2xFb3jJ2m', 'Orbit of Small Things', 'Ivy Castellan', ms(3, 18), 'QZSB72400013'),
  youtube('pS5yGc6kK3n', 'Cold Brew Sunrise', 'Ivy Castellan', ms(2, 36), 'QZSB72400014'),
  youtube('qT8zHd9lL4o', 'The Long Way Home', 'Brass Cartographers', ms(4, 12), 'QZSB72400015'),
  youtube('rU1aJe2mZ5p', 'Harbor Lights Waltz', 'Brass Cartographers', ms(3, 27), 'QZSB72400016'),
  youtube('sV4bKf5nX6q', 'Pixel Heart', 'Nova Kiyoshi', ms(3, 1), 'QZSB72400017'),
  youtube('tW7cLg8pC7r', 'Afterglow Protocol', 'Nova Kiyoshi', ms(4, 33), 'QZSB72400018'),
  youtube('uX0dMh1qV8s', 'Rainy Day Arcade', 'Lo-Fi Lighthouse', ms(2, 22), 'QZSB72400019'),
  youtube('vY3eNj4rB9t', 'Tea at the Observatory', 'Lo-Fi Lighthouse', ms(2, 49), 'QZSB72400020'),
  soundcloud(
    1402001,
    'wren-and-the-wolves/hollow-pines',
    'Hollow Pines',
    'Wren and the Wolves',
    ms(3, 41),
    'QZSB72400021',
  ),
  soundcloud(
    1402002,
    'wren-and-the-wolves/river-of-keys',
    'River of Keys',
    'Wren and the Wolves',
    ms(4, 16),
    'QZSB72400022',
  ),
  soundcloud(1402003, 'dusk-theory/subway-hymn', 'Subway Hymn', 'Dusk Theory', ms(5, 2), 'QZSB72400023'),
  soundcloud(1402004, 'dusk-theory/signal-fires', 'Signal Fires', 'Dusk Theory', ms(3, 24), 'QZSB72400024'),
  soundcloud(
    1402005,
    'mila-fontaine/chalk-outline',
    'Chalk Outline',
    'Mila Fontaine',
    ms(2, 51),
    'QZSB72400025',
  ),
  soundcloud(1402006, 'mila-fontaine/slow-comet', 'Slow Comet', 'Mila Fontaine', ms(3, 58), 'QZSB72400026'),
  soundcloud(1402007, 'tundra-club/ice-machine', 'Ice Machine', 'Tundra Club', ms(4, 40), 'QZSB72400027'),
  soundcloud(1402008, 'tundra-club/polar-disco', 'Polar Disco', 'Tundra Club', ms(3, 33), 'QZSB72400028'),
  soundcloud(
    1402009,
    'ember-kid/kerosene-lullaby',
    'Kerosene Lullaby',
    'Ember Kid',
    ms(2, 39),
    'QZSB72400029',
  ),
  soundcloud(
    1402010,
    'ember-kid/neon-harbor-remix',
    'Neon Harbor (Ember Kid Remix)',
    'Ember Kid',
    ms(5, 54),
    'QZSB72400030',
  ),
  soundcloud(
    1402011,
    'saffron-sound/marigold-tape',
    'Marigold Tape',
    'Saffron Sound',
    ms(3, 9),
    'QZSB72400031',
  ),
  soundcloud(
    1402012,
    'saffron-sound/last-train-west',
    'Last Train West',
    'Saffron Sound',
    ms(4, 27),
    'QZSB72400032',
  ),
];

/** Playlists: two YouTube playlists and one SoundCloud set. */
export const CATALOGUE_PLAYLISTS: readonly CataloguePlaylist[] = [
  {
    id: 'PLsandboxIndieMix01',
    name: 'Sandbox Indie Mix',
    uri: 'https://www.youtube.com/playlist?list=PLsandboxIndieMix01',
    trackIdentifiers: [
      'cSb7kQ2rT4a',
      'eF8nVt6yU2c',
      'gH4pXs7aO4e',
      'iK2rZv5cA6g',
      'kM8tBx1eD8i',
      'mP6vDz7gG0k',
    ],
  },
  {
    id: 'PLsandboxLoFiStudy02',
    name: 'Lo-Fi Study Session',
    uri: 'https://www.youtube.com/playlist?list=PLsandboxLoFiStudy02',
    trackIdentifiers: ['uX0dMh1qV8s', 'vY3eNj4rB9t', 'pS5yGc6kK3n', 'oR2xFb3jJ2m'],
  },
  {
    id: 'sandbox-radio/sets/late-night-drive',
    name: 'Late Night Drive',
    uri: 'https://soundcloud.com/sandbox-radio/sets/late-night-drive',
    trackIdentifiers: [
      'O:https://api-v2.soundcloud.com/media/soundcloud:tracks:1402003/stream/hls',
      'O:https://api-v2.soundcloud.com/media/soundcloud:tracks:1402007/stream/hls',
      'O:https://api-v2.soundcloud.com/media/soundcloud:tracks:1402012/stream/hls',
    ],
  },
];

/**
 * Identifiers whose loading fails the way an unavailable video does in Lavalink's YouTube
 * source: `loadType: "error"` with an Exception object (REST API § Error Result Data).
 */
export const LOAD_FAILURES: Readonly<Record<string, LavalinkException>> = {
  'sandbox:load-error': {
    message: 'This video is unavailable',
    severity: 'common',
    cause: 'com.sedmelluq.discord.lavaplayer.tools.FriendlyException: This video is unavailable',
  },
  XXunavail00: {
    message: 'This video is unavailable',
    severity: 'common',
    cause: 'com.sedmelluq.discord.lavaplayer.tools.FriendlyException: This video is unavailable',
  },
};
