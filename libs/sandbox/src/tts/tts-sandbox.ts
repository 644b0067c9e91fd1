import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Options of {@link TtsSandbox.start}. */
export interface TtsSandboxOptions {
  /** Loopback address to bind (default `127.0.0.1`). */
  host?: string;
  /** TCP port, 0 = any free port (default 0). */
  port?: number;
}

/** Longest text accepted, in characters. */
export const TTS_MAX_TEXT_LENGTH = 500;
/** Speech duration per character of text, in ms. */
export const TTS_MS_PER_CHARACTER = 60;
/** Shortest clip, in ms. */
export const TTS_MIN_DURATION_MS = 500;
/** Output format: 8 kHz, mono, 16-bit PCM. */
export const TTS_SAMPLE_RATE = 8000;

/** Duration in ms of the clip {@link TtsSandbox} renders for `text`. */
export function ttsDurationMs(text: string): number {
  return Math.max(TTS_MIN_DURATION_MS, [...text].length * TTS_MS_PER_CHARACTER);
}

/**
 * A RIFF/WAVE file of PCM silence: 44-byte canonical header (`RIFF`, `WAVE`, a 16-byte `fmt `
 * chunk with format 1 = PCM, then `data`) — Microsoft RIFF WAVE format.
 */
export function silentWav(durationMs: number, sampleRate = TTS_SAMPLE_RATE): Buffer {
  const channels = 1;
  const bitsPerSample = 16;
  const blockAlign = (channels * bitsPerSample) / 8;
  const byteRate = sampleRate * blockAlign;
  const dataSize = Math.round((sampleRate * durationMs) / 1000) * blockAlign;
  const wav = Buffer.alloc(44 + dataSize);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + dataSize, 4);
  wav.write('WAVE', 8, 'ascii');
  wav.write('fmt ', 12, 'ascii');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(channels, 22);
  wav.writeUInt32LE(sampleRate, 24);
  wav.writeUInt32LE(byteRate, 28);
  wav.writeUInt16LE(blockAlign, 32);
  wav.writeUInt16LE(bitsPerSample, 34);
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(dataSize, 40);
  return wav;
}

const VOICE_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * A test text-to-speech endpoint: `GET /tts?text=…&voice=…` answers `audio/wav`, a valid
 * 8 kHz mono 16-bit PCM WAV of silence lasting 60 ms per character (at least 500 ms), so the
 * Lavalink sandbox's HTTP source loads it as a track of known length. `text` is required and
 * at most 500 characters, `voice` optional (`[A-Za-z0-9_-]{1,32}`); violations answer 400
 * with `{error, message}`. Deterministic: the same text gives the same bytes.
 */
export class TtsSandbox {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
  ) {}

  /** Starts the endpoint. @throws the listen error if the port is taken. */
  static async start(options: TtsSandboxOptions = {}): Promise<TtsSandbox> {
    const host = options.host ?? '127.0.0.1';
    const server = createServer((request, response) => handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const sandbox = new TtsSandbox(server, host, (server.address() as AddressInfo).port);
    server.on('connection', (socket) => {
      sandbox.sockets.add(socket);
      socket.on('close', () => sandbox.sockets.delete(socket));
    });
    return sandbox;
  }

  /** Base URL, `http://127.0.0.1:<port>`; clips are at `${url}/tts?text=…`. */
  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  /** Stops listening and closes open connections. */
  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
      this.sockets.clear();
    });
  }
}

function handle(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://tts');
  if (url.pathname !== '/tts') return sendError(response, 404, 'Not found');
  if (request.method !== 'GET' && request.method !== 'HEAD') return sendError(response, 405, 'Use GET');
  const text = url.searchParams.get('text');
  if (text === null || text.trim() === '') return sendError(response, 400, 'text is required');
  if ([...text].length > TTS_MAX_TEXT_LENGTH) {
    return sendError(response, 400, `text must be at most ${TTS_MAX_TEXT_LENGTH} characters`);
  }
  const voice = url.searchParams.get('voice') ?? 'default';
  if (!VOICE_PATTERN.test(voice)) return sendError(response, 400, 'voice must match [A-Za-z0-9_-]{1,32}');
  const wav = silentWav(ttsDurationMs(text));
  response.writeHead(200, {
    'content-type': 'audio/wav',
    'content-length': wav.length,
    'x-tts-voice': voice,
    'x-tts-duration-ms': String(ttsDurationMs(text)),
  });
  response.end(request.method === 'HEAD' ? undefined : wav);
}

function sendError(response: ServerResponse, status: number, message: string): void {
  const payload = JSON.stringify({ error: STATUS_CODES[status] ?? 'Error', message });
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  });
  response.end(payload);
}
