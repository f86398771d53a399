export const SUPPORTED_AUDIO_DESCRIPTION = "M4A/MP4 (AAC), MP3, WAV (PCM), FLAC, Ogg (Opus or Vorbis) and WebM (Opus)";

/** Message names the supported formats. The pipeline turns it into a permanent job failure. */
export class UnsupportedAudioError extends Error {
  constructor(reason: string) {
    super(`Unsupported or corrupt audio file: ${reason}. Supported formats: ${SUPPORTED_AUDIO_DESCRIPTION}.`);
    this.name = "UnsupportedAudioError";
  }
}

/** Throws UnsupportedAudioError unless `condition` holds; keeps the parsers terse. */
export function expectAudio(condition: unknown, reason: string): asserts condition {
  if (!condition) throw new UnsupportedAudioError(reason);
}
