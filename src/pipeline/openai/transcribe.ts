/**
 * Speech to text through OpenAI's audio API. Whisper (`whisper-1`) returns timed segments; the
 * newer transcription models return text only, which is split into sentences with estimated times.
 */
import type OpenAI from "openai";
import { toFile } from "openai";
import type { TranscriptSegment } from "../../domain/transcript.ts";
import { parseTranscriptUpload } from "../../domain/transcripts/parse.ts";
import { PermanentJobError } from "../errors.ts";

/** OpenAI rejects uploads above 25 MiB ("Maximum content size limit (26214400) exceeded"). */
export const OPENAI_AUDIO_MAX_BYTES = 25 * 1024 * 1024;

export const WHISPER_MODEL = "whisper-1";

export interface TranscribeInput {
  bytes: Uint8Array | ArrayBuffer;
  filename: string;
  contentType?: string;
  model: string;
  /** The recording's length, used to place sentence times when the model returns none. */
  durationSec?: number;
  /** Silence is an answer, not an error (a chunk of a longer recording may fall in a break). */
  allowSilence?: boolean;
  /** Words the recording likely contains, so names are spelled as the course spells them. */
  prompt?: string;
}

export interface TranscribeResult {
  text: string;
  language: string | null;
  segments: TranscriptSegment[];
  /** The provider model actually used. */
  model: string;
  /** The audio's length as the provider measured it, when it says. */
  durationSec?: number;
}

// The original API ran Whisper locally and took its size names (`base` by default, see
// decisions.md §10); on OpenAI they all
// mean the hosted Whisper.
const WHISPER_NAMES = /^(?:|whisper(?:-1)?|(?:tiny|base|small|medium)(?:\.en)?|large(?:-v[123])?|large-v3-turbo|turbo)$/;

export function providerModelFor(requested: string | null | undefined): { model: string; timestamps: boolean } {
  const name = (requested ?? "").trim();
  return WHISPER_NAMES.test(name.toLowerCase()) ? { model: WHISPER_MODEL, timestamps: true } : { model: name, timestamps: false };
}

export async function transcribeAudio(client: OpenAI, input: TranscribeInput): Promise<TranscribeResult> {
  const bytes = input.bytes instanceof Uint8Array ? input.bytes : new Uint8Array(input.bytes);
  if (bytes.byteLength === 0) throw new PermanentJobError("The audio file is empty.");
  if (bytes.byteLength > OPENAI_AUDIO_MAX_BYTES) {
    const mb = (bytes.byteLength / (1024 * 1024)).toFixed(1);
    throw new PermanentJobError(
      `The audio file is ${mb} MB, over the 25 MB limit of OpenAI's transcription API. Compress it to mono Opus or AAC at a low bitrate ` +
        `(for example \`ffmpeg -i lecture.m4a -ac 1 -c:a libopus -b:a 24k lecture.ogg\`, about 2 hours in 22 MB) and upload it again, ` +
        `or upload a transcript (.vtt, .srt, .txt or .json) instead.`,
    );
  }
  const { model, timestamps } = providerModelFor(input.model);
  const file = await toFile(bytes, input.filename || "audio", input.contentType ? { type: input.contentType } : undefined);

  if (timestamps) {
    const result = await client.audio.transcriptions.create({
      file,
      model,
      response_format: "verbose_json",
      timestamp_granularities: ["segment"],
      ...(input.prompt ? { prompt: input.prompt } : {}),
    });
    const segments = (result.segments ?? [])
      .map((s) => ({ startSec: roundMs(Math.max(0, s.start)), endSec: roundMs(Math.max(s.start, s.end)), text: s.text.trim() }))
      .filter((s) => s.text.length > 0);
    const durationSec = Number.isFinite(result.duration) ? result.duration : undefined;
    if (segments.length > 0) return { text: segments.map((s) => s.text).join(" "), language: languageCode(result.language), segments, model, durationSec };
    if (input.allowSilence && !result.text?.trim()) return { text: "", language: languageCode(result.language), segments: [], model, durationSec };
    // No segments despite verbose_json (some compatible servers): fall back to estimated times.
    return { ...fromText(result.text, languageCode(result.language), input.durationSec ?? result.duration, model), durationSec };
  }

  const result = await client.audio.transcriptions.create({ file, model, response_format: "json", ...(input.prompt ? { prompt: input.prompt } : {}) });
  const usage = result.usage;
  const measured = usage && usage.type === "duration" ? usage.seconds : undefined;
  if (input.allowSilence && !result.text?.trim()) return { text: "", language: null, segments: [], model, durationSec: measured };
  return { ...fromText(result.text, languageCode(result.languages?.[0]?.code), input.durationSec ?? measured, model), durationSec: measured };
}

function fromText(text: string | undefined, language: string | null, durationSec: number | undefined, model: string): TranscribeResult {
  if (!text || text.trim() === "") throw new PermanentJobError("No speech was recognised in the recording: the transcription came back empty.");
  const parsed = parseTranscriptUpload("txt", text, durationSec !== undefined ? { durationSec } : {});
  const segments = parsed.segments.map((s) => ({ ...s, text: s.text.trim() })).filter((s) => s.text.length > 0);
  return { text: segments.map((s) => s.text).join(" "), language, segments, model };
}

function roundMs(sec: number): number {
  return Math.round(sec * 1000) / 1000;
}

// Whisper's verbose_json names the language ("english"); transcripts store the code ("en"), as
// the original API's local Whisper did.
const LANGUAGES =
  "en english|zh chinese|de german|es spanish|ru russian|ko korean|fr french|ja japanese|pt portuguese|tr turkish|pl polish|ca catalan|" +
  "nl dutch|ar arabic|sv swedish|it italian|id indonesian|hi hindi|fi finnish|vi vietnamese|he hebrew|uk ukrainian|el greek|ms malay|" +
  "cs czech|ro romanian|da danish|hu hungarian|ta tamil|no norwegian|th thai|ur urdu|hr croatian|bg bulgarian|lt lithuanian|la latin|" +
  "mi maori|ml malayalam|cy welsh|sk slovak|te telugu|fa persian|lv latvian|bn bengali|sr serbian|az azerbaijani|sl slovenian|kn kannada|" +
  "et estonian|mk macedonian|br breton|eu basque|is icelandic|hy armenian|ne nepali|mn mongolian|bs bosnian|kk kazakh|sq albanian|" +
  "sw swahili|gl galician|mr marathi|pa punjabi|si sinhala|km khmer|sn shona|yo yoruba|so somali|af afrikaans|oc occitan|ka georgian|" +
  "be belarusian|tg tajik|sd sindhi|gu gujarati|am amharic|yi yiddish|lo lao|uz uzbek|fo faroese|ht haitian creole|ps pashto|tk turkmen|" +
  "nn nynorsk|mt maltese|sa sanskrit|lb luxembourgish|my myanmar|bo tibetan|tl tagalog|mg malagasy|as assamese|tt tatar|haw hawaiian|" +
  "ln lingala|ha hausa|ba bashkir|jw javanese|su sundanese|yue cantonese";
const CODE_BY_NAME = new Map(
  LANGUAGES.split("|").map((entry) => {
    const space = entry.indexOf(" ");
    return [entry.slice(space + 1), entry.slice(0, space)] as const;
  }),
);

export function languageCode(language: string | null | undefined): string | null {
  const value = (language ?? "").trim().toLowerCase();
  if (!value) return null;
  return CODE_BY_NAME.get(value) ?? value;
}
