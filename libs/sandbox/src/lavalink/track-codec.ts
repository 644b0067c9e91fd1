import type { LavalinkTrackInfo } from './lavalink.types';

/**
 * Lavaplayer's track message format, which Lavalink base64-encodes into `Track.encoded`
 * (lavalink.dev REST API § Track: "The base64 encoded track data"; lavaplayer
 * `DefaultAudioPlayerManager.encodeTrack` / `AudioTrackInfo` serializer, version 3 adds
 * `artworkUrl` and `isrc`). Layout: a 4-byte header `(flags << 30) | bodySize` with flag
 * TRACK_INFO_VERSIONED = 1, then `byte version`, `UTF title`, `UTF author`, `long length`,
 * `UTF identifier`, `bool isStream`, `nullable UTF uri`, `nullable UTF artworkUrl`,
 * `nullable UTF isrc`, `UTF sourceName`, source-specific fields (the HTTP source writes its
 * probe info, e.g. `wav`), `long position`. Java `writeUTF` is a 2-byte length plus UTF-8;
 * the emulator writes plain UTF-8, identical for the catalogue's text.
 */
const TRACK_INFO_VERSIONED = 1;
const TRACK_INFO_VERSION = 3;

/** Decoded track: the info plus the HTTP source's probe info when `sourceName` is `http`. */
export interface DecodedTrack {
  info: LavalinkTrackInfo;
  probeInfo: string | null;
}

/** Raised when a string is not a track this codec can read. */
export class TrackDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = TrackDecodeError.name;
  }
}

class Writer {
  private readonly chunks: Buffer[] = [];

  utf(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.length > 0xffff) throw new RangeError('UTF field longer than 65535 bytes');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bytes.length);
    this.chunks.push(length, bytes);
  }

  nullableUtf(value: string | null): void {
    this.bool(value !== null);
    if (value !== null) this.utf(value);
  }

  bool(value: boolean): void {
    this.chunks.push(Buffer.from([value ? 1 : 0]));
  }

  byte(value: number): void {
    this.chunks.push(Buffer.from([value & 0xff]));
  }

  long(value: number): void {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64BE(BigInt(Math.trunc(value)));
    this.chunks.push(buffer);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

class Reader {
  private offset = 0;

  constructor(private readonly buffer: Buffer) {}

  private need(bytes: number): void {
    if (this.offset + bytes > this.buffer.length) throw new TrackDecodeError('Track data is truncated');
  }

  utf(): string {
    this.need(2);
    const length = this.buffer.readUInt16BE(this.offset);
    this.offset += 2;
    this.need(length);
    const value = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  nullableUtf(): string | null {
    return this.bool() ? this.utf() : null;
  }

  bool(): boolean {
    return this.byte() !== 0;
  }

  byte(): number {
    this.need(1);
    return this.buffer.readUInt8(this.offset++);
  }

  long(): number {
    this.need(8);
    const value = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return Number(value);
  }

  get remaining(): number {
    return this.buffer.length - this.offset;
  }
}

/**
 * Encodes track info (and the HTTP probe info) into Lavalink's base64 track string.
 * @throws RangeError when a text field exceeds 65535 UTF-8 bytes.
 */
export function encodeTrack(info: LavalinkTrackInfo, probeInfo: string | null = null): string {
  const body = new Writer();
  body.byte(TRACK_INFO_VERSION);
  body.utf(info.title);
  body.utf(info.author);
  body.long(info.length);
  body.utf(info.identifier);
  body.bool(info.isStream);
  body.nullableUtf(info.uri);
  body.nullableUtf(info.artworkUrl);
  body.nullableUtf(info.isrc);
  body.utf(info.sourceName);
  if (info.sourceName === 'http') body.utf(probeInfo ?? 'wav');
  body.long(info.position);
  const bodyBytes = body.toBuffer();
  const header = Buffer.alloc(4);
  header.writeInt32BE((TRACK_INFO_VERSIONED << 30) | bodyBytes.length);
  return Buffer.concat([header, bodyBytes]).toString('base64');
}

/**
 * Decodes a base64 track string produced by {@link encodeTrack} (message version 3).
 * @throws TrackDecodeError when the string is not valid base64 track data.
 */
export function decodeTrack(encoded: string): DecodedTrack {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new TrackDecodeError('Track is not base64');
  const buffer = Buffer.from(encoded, 'base64');
  if (buffer.length < 5) throw new TrackDecodeError('Track data is truncated');
  const header = buffer.readInt32BE(0);
  const flags = header >>> 30;
  const size = header & 0x3fffffff;
  if (size !== buffer.length - 4) throw new TrackDecodeError('Track size does not match its header');
  const reader = new Reader(buffer.subarray(4));
  const version = flags & TRACK_INFO_VERSIONED ? reader.byte() : 1;
  if (version !== TRACK_INFO_VERSION) throw new TrackDecodeError(`Unsupported track version ${version}`);
  const title = reader.utf();
  const author = reader.utf();
  const length = reader.long();
  const identifier = reader.utf();
  const isStream = reader.bool();
  const uri = reader.nullableUtf();
  const artworkUrl = reader.nullableUtf();
  const isrc = reader.nullableUtf();
  const sourceName = reader.utf();
  const probeInfo = sourceName === 'http' ? reader.utf() : null;
  const position = reader.long();
  if (reader.remaining !== 0) throw new TrackDecodeError('Trailing bytes after track data');
  return {
    info: {
      identifier,
      isSeekable: !isStream,
      author,
      length,
      isStream,
      position,
      title,
      uri,
      artworkUrl,
      isrc,
      sourceName,
    },
    probeInfo,
  };
}
