/**
 * The indexing capability: turns a repository's tree at a commit into the published index
 * (chunks, symbols, terms, file rows) and collects what no generation uses any more. It owns the
 * index_* tables and never touches the repositories table: its caller takes the steps of a run
 * in order (`withIndexRun`, `planIndexRun`, `writeIndexContent`, `stageGeneration`,
 * `sealGeneration`, `collectIndexRun`), reading and publishing the repository's row itself.
 */
export {
  blobsMatching,
  blobTexts,
  collectIndexRun,
  planIndexRun,
  sealGeneration,
  stageGeneration,
  withIndexRun,
  writeIndexContent,
  type IndexContent,
  type IndexPlan,
  type IndexProgress,
  type IndexRunSummary,
  type IndexTarget,
  type PublishedIndex,
  type StagedGeneration,
  type StagedRun,
} from "./indexer.js";
export { collectGarbage, generationFiles, repositoryBlobs, type SymbolRow } from "./index-writer.js";
export { ANALYZE_AFTER_BLOBS, refreshIndexStatistics } from "./index-statistics.js";
export { closeNames, LANGUAGE_IDS, languageFromName } from "./languages/language-detect.js";
export { type CapturedMatch, SymbolExtractor } from "./symbols/symbol-extractor.js";
export { INDEX_RULES_VERSION, type IndexSettings, type IndexSource, type PreviousRun, type SkipReason } from "./run-plan.js";
export { bucketKey, intersectLists, listOf, trigramCodes, type PostingRow } from "./trigram-postings.js";
export {
  LEVEL_TF,
  pathTerms,
  questionExpansions,
  questionTerms,
  splitIdentifier,
  termId,
  termKey,
  TERM_STATS,
  type QuestionTerms,
} from "./terms/code-terms.js";
