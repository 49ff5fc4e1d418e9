import {
  type Context,
  context as otelContext,
  ROOT_CONTEXT,
  type Span,
  type SpanOptions,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  BasicTracerProvider,
  ConsoleSpanExporter,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { formatTraceparent, parseTraceparent } from './trace.ts';

/**
 * OpenTelemetry tracing without global registration: each process builds its own provider and
 * passes the tracer in. Context travels explicitly (bus `traceparent` headers), so one trace runs
 * from audio ingest through transcription and summarisation to webhook delivery across processes.
 */
export type Tracing = {
  tracer: Tracer;
  /** Set when spans are kept in memory (tests, `OTEL_TRACES_EXPORTER=memory`). */
  memory?: InMemorySpanExporter;
  shutdown(): Promise<void>;
};

export type TracingOptions = {
  service: string;
  /** `none` (default), `console`, `memory`, or a custom exporter. */
  exporter?: 'none' | 'console' | 'memory' | SpanExporter;
};

export function createTracing(opts: TracingOptions): Tracing {
  const choice = opts.exporter ?? 'none';
  if (choice === 'none') return { tracer: trace.getTracer(opts.service), shutdown: async () => {} };
  const memory = choice === 'memory' ? new InMemorySpanExporter() : undefined;
  const exporter = memory ?? (choice === 'console' ? new ConsoleSpanExporter() : (choice as SpanExporter));
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return {
    tracer: provider.getTracer(opts.service),
    ...(memory ? { memory } : {}),
    shutdown: () => provider.shutdown(),
  };
}

/** A context whose parent is the remote span in a `traceparent` value (root when absent or invalid). */
export function contextFromTraceparent(value: string | undefined): Context {
  const t = parseTraceparent(value);
  if (!t) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: t.traceId,
    spanId: t.spanId,
    traceFlags: t.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
}

/** The `traceparent` that makes a downstream span a child of `span`. */
export function traceparentOf(span: Span): string {
  const sc = span.spanContext();
  return formatTraceparent({
    traceId: sc.traceId,
    spanId: sc.spanId,
    sampled: (sc.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED,
  });
}

/** Starts a span as a child of the `traceparent` header (a new trace when there is none). */
export function startSpanFrom(
  tracer: Tracer,
  name: string,
  traceparent: string | undefined,
  opts: SpanOptions = {},
): Span {
  return tracer.startSpan(name, opts, contextFromTraceparent(traceparent));
}

/** Runs fn inside a span, recording an exception and ending it either way. */
export async function inSpan<T>(
  tracer: Tracer,
  name: string,
  traceparent: string | undefined,
  fn: (span: Span) => Promise<T>,
  opts: SpanOptions = {},
): Promise<T> {
  const span = startSpanFrom(tracer, name, traceparent, opts);
  try {
    return await otelContext.with(trace.setSpan(ROOT_CONTEXT, span), () => fn(span));
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: 2, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}
