import { ProtocolErrorCode } from '@app/protocol';
import { AgentRpcException } from '../control/agent-rpc.exception';
import { ttsUrlFor } from './agent-assistant';

describe(ttsUrlFor.name, () => {
  const endpoint = { url: 'http://tts:5002/tts', voice: 'alto' };

  it('sets text and voice as URL-encoded query parameters', () => {
    const sut = ttsUrlFor(endpoint, '  Hello & welcome, 50% off? #1  ');

    expect(sut).toBe('http://tts:5002/tts?text=Hello+%26+welcome%2C+50%25+off%3F+%231&voice=alto');
    expect(new URL(sut).searchParams.get('text')).toBe('Hello & welcome, 50% off? #1');
  });

  it('keeps query parameters already in TTS_URL and replaces a text/voice given there', () => {
    const sut = new URL(
      ttsUrlFor({ url: 'https://speech.example/api/tts?format=wav&voice=x', voice: 'b' }, 'hi'),
    );

    expect(sut.searchParams.get('format')).toBe('wav');
    expect(sut.searchParams.getAll('voice')).toEqual(['b']);
    expect(sut.searchParams.get('text')).toBe('hi');
  });

  it('accepts 500 characters (counted as code points) and refuses blank or longer text', () => {
    expect(new URL(ttsUrlFor(endpoint, '🎤'.repeat(500))).searchParams.get('text')).toBe('🎤'.repeat(500));
    for (const text of ['   ', 'a'.repeat(501)]) {
      let caught: unknown;
      try {
        ttsUrlFor(endpoint, text);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(AgentRpcException);
      expect((caught as AgentRpcException).code).toBe(ProtocolErrorCode.InvalidParams);
    }
  });
});
