/**
 * Every extractor, and the version of their rules: raising EXTRACTOR_VERSION makes the next
 * index run of each repository re-read every file an extractor matches.
 */
import { apiSpecExtractor } from "./api-spec.extractor.js";
import { cargoExtractor } from "./cargo.extractor.js";
import { codeownersExtractor } from "./codeowners.extractor.js";
import { composeExtractor } from "./compose.extractor.js";
import { decisionsExtractor } from "./decisions.extractor.js";
import { dockerExtractor } from "./docker.extractor.js";
import type { Extractor } from "./extractor.js";
import { goExtractor } from "./go.extractor.js";
import { instructionsExtractor } from "./instructions.extractor.js";
import { npmExtractor } from "./npm.extractor.js";
import { pythonExtractor } from "./python.extractor.js";

export { CODEOWNERS_PATHS } from "./codeowners.extractor.js";
export { ExtractionProblem, type Extractor, type Fact, MAX_FACTS_PER_FILE } from "./extractor.js";
export * from "./graph-keys.js";

/** The version of the extraction rules (stored with each source read). */
export const EXTRACTOR_VERSION = 1;

/** The extractors, in the order a path is offered to them (the first that matches reads it). */
export const EXTRACTORS: Extractor[] = [
  npmExtractor,
  goExtractor,
  cargoExtractor,
  pythonExtractor,
  codeownersExtractor,
  instructionsExtractor,
  decisionsExtractor,
  dockerExtractor,
  composeExtractor,
  apiSpecExtractor,
];

/** The extractor that reads `path`, if any. */
export function extractorFor(path: string): Extractor | undefined {
  return EXTRACTORS.find((e) => e.matches(path));
}
