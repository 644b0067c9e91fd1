import { TtsSandbox, ttsDurationMs, wavDurationMs } from '@app/sandbox';

describe(TtsSandbox.name, () => {
  let sut: TtsSandbox;

  beforeEach(async () => {
    sut = await TtsSandbox.start();
  });

  afterEach(async () => {
    await sut.stop();
  });

  it('renders an 8 kHz mono 16-bit PCM WAV of silence, 60 ms per character', async () => {
    const text = 'Now playing Neon Harbor';
    const response = await fetch(`${sut.url}/tts?text=${encodeURIComponent(text)}&voice=alto`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('audio/wav');
    const wav = Buffer.from(await response.arrayBuffer());
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.toString('ascii', 8, 16)).toBe('WAVEfmt ');
    expect(wav.readUInt16LE(20)).toBe(1);
    expect(wav.readUInt16LE(22)).toBe(1);
    expect(wav.readUInt32LE(24)).toBe(8000);
    expect(wav.readUInt16LE(34)).toBe(16);
    expect(wav.readUInt32LE(40)).toBe(wav.length - 44);
    expect(wav.subarray(44).every((byte) => byte === 0)).toBe(true);
    expect(wavDurationMs(wav)).toBe(text.length * 60);
  });

  it('has a 500 ms minimum and is deterministic', async () => {
    expect(ttsDurationMs('hi')).toBe(500);
    const first = Buffer.from(await (await fetch(`${sut.url}/tts?text=hi`)).arrayBuffer());
    const second = Buffer.from(await (await fetch(`${sut.url}/tts?text=hi`)).arrayBuffer());
    expect(wavDurationMs(first)).toBe(500);
    expect(first.equals(second)).toBe(true);
  });

  it('answers 400 for a missing, blank or too long text and a malformed voice', async () => {
    for (const query of [
      '',
      '?text=',
      '?text=%20%20',
      `?text=${'a'.repeat(501)}`,
      '?text=hello&voice=%3Cscript%3E',
    ]) {
      const response = await fetch(`${sut.url}/tts${query}`);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect(await response.json()).toMatchObject({ error: 'Bad Request', message: expect.any(String) });
    }
    expect((await fetch(`${sut.url}/tts?text=${'a'.repeat(500)}`)).status).toBe(200);
    expect((await fetch(`${sut.url}/elsewhere`)).status).toBe(404);
  });
});
