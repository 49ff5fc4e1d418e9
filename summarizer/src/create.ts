import type { Bus } from '@mi/bus';
import { ApprovalStore, AuditLog } from '@mi/governance';
import type { Logger, Metrics } from '@mi/telemetry';
import type { Tracer } from '@opentelemetry/api';
import type { SummarizerConfig } from './config.ts';
import { type ExtractionEngine, rulesEngine } from './engine.ts';
import { createResilientExtractor, llmConfigFromEnv } from './llm/index.ts';
import { llmEngine, noExtraction } from './llm-engine.ts';
import { PolicyGate } from './policy/index.ts';
import { SummarizerService } from './service.ts';

/** Builds the summarizer with its policy gate, approval queue and audit log. */
export async function createSummarizerService(deps: {
  bus: Bus;
  config: SummarizerConfig;
  logger: Logger;
  metrics: Metrics;
  tracer: Tracer;
  service: { name: string; version: string };
  engine?: ExtractionEngine;
  env?: NodeJS.ProcessEnv;
}): Promise<SummarizerService> {
  const gate = new PolicyGate(deps.config.policyFile);
  const llm = llmConfigFromEnv(deps.env ?? {});
  const engine =
    deps.engine ??
    (llm.baseUrl
      ? llmEngine(createResilientExtractor(llm, { fallback: noExtraction, metrics: deps.metrics }))
      : rulesEngine);
  const producer = { service: deps.service.name, version: deps.service.version };
  const service = new SummarizerService({
    bus: deps.bus,
    engine,
    gate,
    approvals: await ApprovalStore.open(deps.bus),
    audit: new AuditLog(deps.bus, producer),
    config: deps.config,
    logger: deps.logger,
    metrics: deps.metrics,
    tracer: deps.tracer,
    service: deps.service,
  });
  deps.logger.info(
    { policy: gate.path, version: gate.version, engine: engine.name, llm: llm.baseUrl ?? null },
    'summarizer configured',
  );
  return service;
}
