/**
 * The models capability: the optional model provider behind chat and ctx_advisor (issue #16).
 * Nothing else depends on it: without MODEL_* configuration every other feature works, and
 * the model features answer with the evidence the tools found. It offers the language model
 * of each tier (fast, medium, high) and what /.status shows (configured, provider, model
 * names, reachable: probed every minute by the process that serves /.status). It also builds
 * the embedding model of MODEL_EMBEDDING_* (`embeddingModelOf`) that the roles hand to the
 * embeddings capability.
 */
import type { LanguageModel } from "ai";
import type { Capability } from "../platform/capability.js";
import type { ModelConfig } from "../platform/config/config.js";
import type { Logger } from "../platform/logging.js";
import { languageModelFactory } from "./model-providers.js";
import { type ModelStatus, probeModelProvider } from "./model-probe.js";

export { embeddingModelOf } from "./model-providers.js";
export type { ModelStatus } from "./model-probe.js";

/** The work a model is asked for. */
export type ModelTier = "fast" | "medium" | "high";

/** What the capability offers the roles. */
export interface Models extends Capability {
  configured: boolean;
  /** The language model of a tier; undefined without configuration. */
  languageModel(tier: ModelTier): LanguageModel | undefined;
  /** What /.status shows (the last probe's outcome). */
  status(): ModelStatus;
  /** Probes the provider now and remembers the outcome. */
  probe(): Promise<ModelStatus>;
}

/** How often the provider is probed while the process serves /.status. */
const PROBE_EVERY_MS = 60_000;

/** Builds the capability (no I/O until probed or used). */
export function createModels(deps: { config: ModelConfig | undefined; logger: Logger; fetch?: typeof fetch }): Models {
  const { config } = deps;
  if (!config) {
    return { configured: false, languageModel: () => undefined, status: () => ({ configured: false }), probe: async () => ({ configured: false }) };
  }
  const logger = deps.logger.child({ module: "models" });
  const modelOf = languageModelFactory(config);
  let last: ModelStatus = { configured: true, provider: config.provider, models: config.names };
  const probe = async () => {
    const outcome = await probeModelProvider(config, deps.fetch);
    if (outcome.reachable === false && last.reachable !== false)
      logger.warn({ provider: config.provider, problem: outcome.message }, "the model provider is not usable");
    last = { configured: true, provider: config.provider, models: config.names, ...outcome };
    return last;
  };
  return {
    configured: true,
    languageModel: (tier) => modelOf(config.names[tier]),
    status: () => last,
    probe,
    async start() {
      void probe();
      const timer = setInterval(() => void probe(), PROBE_EVERY_MS);
      timer.unref();
      return async () => clearInterval(timer);
    },
  };
}
