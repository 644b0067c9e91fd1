export {
  silentWav,
  TTS_MAX_TEXT_LENGTH,
  TTS_MIN_DURATION_MS,
  TTS_MS_PER_CHARACTER,
  TTS_SAMPLE_RATE,
  TtsSandbox,
  ttsDurationMs,
  type TtsSandboxOptions,
} from './tts-sandbox';
