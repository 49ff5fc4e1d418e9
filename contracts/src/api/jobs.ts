import { type Static, Type } from '@sinclair/typebox';
import { Word } from '../events/transcript.ts';
import { RoomId, SubjectToken } from '../ids.ts';

/**
 * Batch path: uploads, jobs, edit decision lists and clips. Times are milliseconds from the start
 * of the source media, as in transcript segments.
 */

export const UploadId = SubjectToken;
export const JobId = SubjectToken;

/** What ffprobe found in an accepted upload. */
export const MediaInfo = Type.Object(
  {
    durationMs: Type.Number({ minimum: 0 }),
    container: Type.String(),
    bytes: Type.Integer({ minimum: 0 }),
    audio: Type.Object({ codec: Type.String(), sampleRate: Type.Integer(), channels: Type.Integer() }),
    video: Type.Optional(
      Type.Object({
        codec: Type.String(),
        width: Type.Integer({ minimum: 1 }),
        height: Type.Integer({ minimum: 1 }),
        fps: Type.Number({ minimum: 0 }),
      }),
    ),
  },
  { $id: 'MediaInfo' },
);
export type MediaInfo = Static<typeof MediaInfo>;

export const UploadState = Type.Union([
  Type.Literal('uploading'),
  Type.Literal('ready'),
  Type.Literal('failed'),
  Type.Literal('aborted'),
]);

export const ApiError = Type.Object({ code: Type.String(), message: Type.String() });
export type ApiError = Static<typeof ApiError>;

/** An upload as the API returns it. Only `ready` uploads can be the source of a job. */
export const Upload = Type.Object(
  {
    id: UploadId,
    tenant: Type.String(),
    key: Type.String({ description: 'object-store key of the media' }),
    filename: Type.String(),
    contentType: Type.String(),
    state: UploadState,
    size: Type.Optional(Type.Integer({ minimum: 0 })),
    media: Type.Optional(MediaInfo),
    error: Type.Optional(ApiError),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Upload' },
);
export type Upload = Static<typeof Upload>;

/** Starts a direct-to-store upload: S3 multipart with presigned part URLs. */
export const PresignedUploadCreate = Type.Object(
  {
    filename: Type.String({ minLength: 1, maxLength: 255 }),
    contentType: Type.String({ minLength: 1, maxLength: 255 }),
    size: Type.Integer({ minimum: 1, description: 'bytes; checked against the upload limit' }),
  },
  { $id: 'PresignedUploadCreate', additionalProperties: false },
);
export type PresignedUploadCreate = Static<typeof PresignedUploadCreate>;

export const PresignedUploadResponse = Type.Object(
  {
    upload: Upload,
    partSize: Type.Integer({ description: 'bytes per part; the last part may be smaller' }),
    parts: Type.Array(Type.Object({ partNumber: Type.Integer({ minimum: 1 }), url: Type.String() })),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'PresignedUploadResponse' },
);
export type PresignedUploadResponse = Static<typeof PresignedUploadResponse>;

export const UploadComplete = Type.Object(
  {
    parts: Type.Array(
      Type.Object({ partNumber: Type.Integer({ minimum: 1, maximum: 10_000 }), etag: Type.String({ minLength: 1 }) }),
      { minItems: 1, maxItems: 10_000 },
    ),
  },
  { $id: 'UploadComplete', additionalProperties: false },
);
export type UploadComplete = Static<typeof UploadComplete>;

/** One caption line, times relative to the start of its clip. */
export const Caption = Type.Object({
  start: Type.Number({ minimum: 0 }),
  end: Type.Number({ minimum: 0 }),
  text: Type.String(),
});
export type Caption = Static<typeof Caption>;

/** One entry of an edit decision list: a range of a source, with its title and captions. */
export const EdlEntry = Type.Object(
  {
    /** Object-store key of the source media. */
    source: Type.String({ minLength: 1 }),
    start: Type.Number({ minimum: 0 }),
    end: Type.Number({ minimum: 0 }),
    title: Type.String({ maxLength: 200 }),
    captions: Type.Array(Caption),
    /** Highlight score in [0, 1] and what made it (absent for user edits). */
    score: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    reasons: Type.Optional(Type.Array(Type.String())),
  },
  { $id: 'EdlEntry' },
);
export type EdlEntry = Static<typeof EdlEntry>;

export const CaptionMode = Type.Union([Type.Literal('attach'), Type.Literal('burn'), Type.Literal('none')]);
export type CaptionMode = Static<typeof CaptionMode>;

export const ClipOptions = Type.Object(
  {
    /** `attach`: WebVTT and SRT beside the MP4; `burn`: also drawn into the picture. */
    captions: Type.Optional(CaptionMode),
    /** Also a 9:16 vertical variant (centred crop). */
    vertical: Type.Optional(Type.Boolean()),
    /** Fade in and out at each joined range, ms (0: hard cuts). */
    fadeMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 2000 })),
  },
  { additionalProperties: false },
);
export type ClipOptions = Static<typeof ClipOptions>;

export const JobSource = Type.Union([
  Type.Object({ upload: UploadId }, { additionalProperties: false }),
  Type.Object({ room: RoomId }, { additionalProperties: false }),
]);
export type JobSource = Static<typeof JobSource>;

/** A time range, or a quote range found in the parent job's transcript (first word to last word). */
export const EditRange = Type.Union([
  Type.Object(
    { start: Type.Number({ minimum: 0 }), end: Type.Number({ minimum: 0 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      startQuote: Type.String({ minLength: 1, maxLength: 500 }),
      endQuote: Type.String({ minLength: 1, maxLength: 500 }),
    },
    { additionalProperties: false },
  ),
]);
export type EditRange = Static<typeof EditRange>;

/** Submit a job: the whole batch path for a source (highlights), or an edit of a finished job (clip). */
export const JobCreate = Type.Union(
  [
    Type.Object(
      {
        kind: Type.Literal('highlights'),
        source: JobSource,
        highlights: Type.Optional(Type.Integer({ minimum: 1, maximum: 20 })),
        minClipMs: Type.Optional(Type.Integer({ minimum: 3000, maximum: 300_000 })),
        maxClipMs: Type.Optional(Type.Integer({ minimum: 5000, maximum: 600_000 })),
        clip: Type.Optional(ClipOptions),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        kind: Type.Literal('clip'),
        /** The finished highlights job whose source and transcript the edit uses. */
        parent: JobId,
        title: Type.Optional(Type.String({ maxLength: 200 })),
        ranges: Type.Array(EditRange, { minItems: 1, maxItems: 50 }),
        /** One clip of all ranges joined (default), or one clip per range. */
        join: Type.Optional(Type.Boolean()),
        clip: Type.Optional(ClipOptions),
      },
      { additionalProperties: false },
    ),
  ],
  { $id: 'JobCreate' },
);
export type JobCreate = Static<typeof JobCreate>;

export const JobState = Type.Union([
  Type.Literal('queued'),
  Type.Literal('running'),
  Type.Literal('succeeded'),
  Type.Literal('failed'),
  Type.Literal('cancelled'),
]);
export type JobState = Static<typeof JobState>;

/** A file the clipper wrote, with a presigned URL when the API hands it out. */
export const StoredFile = Type.Object({
  key: Type.String(),
  contentType: Type.String(),
  bytes: Type.Integer({ minimum: 0 }),
  url: Type.Optional(Type.String()),
});
export type StoredFile = Static<typeof StoredFile>;

export const ClipOutput = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    /** The EDL ranges it was cut from (source times). */
    ranges: Type.Array(Type.Object({ start: Type.Number(), end: Type.Number() })),
    durationMs: Type.Number({ minimum: 0 }),
    video: StoredFile,
    vertical: Type.Optional(StoredFile),
    captions: Type.Optional(Type.Object({ vtt: StoredFile, srt: StoredFile })),
    thumbnail: StoredFile,
  },
  { $id: 'ClipOutput' },
);
export type ClipOutput = Static<typeof ClipOutput>;

/** A scene or slide change found in a file. */
export const SceneChange = Type.Object({
  at: Type.Number({ minimum: 0, description: 'ms from the start' }),
  score: Type.Number({ minimum: 0, maximum: 1 }),
  reason: Type.Union([Type.Literal('first'), Type.Literal('scene')]),
  text: Type.Optional(Type.String()),
  thumbnail: Type.Optional(StoredFile),
});
export type SceneChange = Static<typeof SceneChange>;

export const TranscriptSegment = Type.Object({
  start: Type.Number(),
  end: Type.Number(),
  text: Type.String(),
  words: Type.Array(Word),
  confidence: Type.Number(),
});
export type TranscriptSegment = Static<typeof TranscriptSegment>;

/** What a succeeded job produced; keys point into the object store. */
export const JobResult = Type.Object({
  source: Type.String({ description: 'object-store key of the media' }),
  media: Type.Optional(MediaInfo),
  transcript: Type.Optional(StoredFile),
  keyframes: Type.Optional(StoredFile),
  edl: Type.Array(EdlEntry),
  clips: Type.Array(ClipOutput),
});
export type JobResult = Static<typeof JobResult>;

export const Job = Type.Object(
  {
    id: JobId,
    tenant: Type.String(),
    kind: Type.Union([Type.Literal('highlights'), Type.Literal('clip')]),
    state: JobState,
    stage: Type.String(),
    percent: Type.Number({ minimum: 0, maximum: 100 }),
    etaMs: Type.Optional(Type.Number({ minimum: 0 })),
    attempts: Type.Integer({ minimum: 0 }),
    request: JobCreate,
    /** The media the job works on, resolved when it was submitted (absent for a room: `result.source` has the assembled key). */
    input: Type.Optional(
      Type.Object({ key: Type.String(), filename: Type.Optional(Type.String()), media: Type.Optional(MediaInfo) }),
    ),
    correlationId: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    cancelRequested: Type.Optional(Type.Boolean()),
    error: Type.Optional(ApiError),
    result: Type.Optional(JobResult),
  },
  { $id: 'Job' },
);
export type Job = Static<typeof Job>;
