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
import { gradleExtractor } from "./gradle.extractor.js";
import { graphqlExtractor } from "./graphql.extractor.js";
import { helmValuesExtractor, kubernetesExtractor } from "./kubernetes.extractor.js";
import { mavenExtractor } from "./maven.extractor.js";
import { protoExtractor } from "./proto.extractor.js";
import { terraformExtractor } from "./terraform.extractor.js";
import { instructionsExtractor } from "./instructions.extractor.js";
import { npmExtractor } from "./npm.extractor.js";
import { pythonExtractor } from "./python.extractor.js";

export { CODEOWNERS_PATHS } from "./codeowners.extractor.js";
export { ExtractionProblem, type Extractor, type Fact, MAX_FACTS_PER_FILE } from "./extractor.js";
export * from "./graph-keys.js";

/** The version of the extraction rules (stored with each source read). */
export const EXTRACTOR_VERSION = 4;

/**
 * The extractors, in the order a path is offered to them: the first that matches and reads
 * it gives its facts (an `api.yaml` that is a Kubernetes manifest, not an API description,
 * falls through to the next).
 */
export const EXTRACTORS: Extractor[] = [
  npmExtractor,
  goExtractor,
  cargoExtractor,
  pythonExtractor,
  mavenExtractor,
  gradleExtractor,
  codeownersExtractor,
  instructionsExtractor,
  decisionsExtractor,
  dockerExtractor,
  composeExtractor,
  apiSpecExtractor,
  kubernetesExtractor,
  helmValuesExtractor,
  terraformExtractor,
  protoExtractor,
  graphqlExtractor,
];

/** The extractors that match `path`, in order (empty: the graph does not read it). */
export function extractorsFor(path: string): Extractor[] {
  return EXTRACTORS.filter((e) => e.matches(path));
}
