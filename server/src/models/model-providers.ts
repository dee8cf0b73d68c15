/**
 * The AI SDK provider for a configured model provider (ADR: optional LLM features; docs/chat.md):
 * openai-compatible (OpenAI, Ollama, vLLM, LM Studio), Anthropic, Azure OpenAI, Amazon Bedrock
 * and OpenRouter, each given the operator's URL and key and nothing else.
 */
import { createAmazonBedrock } from "@ai-sdk/amazon-bedrock";
import { createAnthropic } from "@ai-sdk/anthropic";
import { createAzure } from "@ai-sdk/azure";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { createOpenRouter } from "@openrouter/ai-sdk-provider";
import type { EmbeddingModel, LanguageModel } from "ai";
import type { EmbeddingConfig, ModelConfig } from "../platform/config/config.js";

/** Builds the function that gives the language model of a model name. */
export function languageModelFactory(config: ModelConfig): (name: string) => LanguageModel {
  const { url, apiKey } = config;
  switch (config.provider) {
    case "openai-compatible": {
      const provider = createOpenAICompatible({ name: "model-provider", baseURL: url!, apiKey, includeUsage: true });
      return (name) => provider.chatModel(name);
    }
    case "anthropic": {
      const provider = createAnthropic({ apiKey, baseURL: url });
      return (name) => provider(name);
    }
    case "azure": {
      const provider = createAzure({ apiKey, baseURL: url });
      return (name) => provider(name);
    }
    case "bedrock": {
      const region = /bedrock-runtime\.([a-z0-9-]+)\.amazonaws\.com/.exec(url ?? "")?.[1];
      const provider = createAmazonBedrock({ apiKey, baseURL: url, region });
      return (name) => provider(name);
    }
    case "openrouter": {
      const provider = createOpenRouter({ apiKey, baseURL: url });
      return (name) => provider(name) as LanguageModel;
    }
  }
}

/**
 * The embedding model of the configuration (each provider's `embeddingModel`): the operator's
 * URL and key, nothing else. Anthropic has none, which the configuration refuses.
 */
export function embeddingModelOf(config: EmbeddingConfig): EmbeddingModel {
  const { url, apiKey, name } = config;
  switch (config.provider) {
    case "openai-compatible":
      return createOpenAICompatible({ name: "embedding-provider", baseURL: url!, apiKey }).embeddingModel(name);
    case "azure":
      return createAzure({ apiKey, baseURL: url }).embeddingModel(name);
    case "bedrock": {
      const region = /bedrock-runtime\.([a-z0-9-]+)\.amazonaws\.com/.exec(url ?? "")?.[1];
      return createAmazonBedrock({ apiKey, baseURL: url, region }).embeddingModel(name);
    }
    case "openrouter":
      return createOpenRouter({ apiKey, baseURL: url }).textEmbeddingModel(name) as unknown as EmbeddingModel;
  }
}
