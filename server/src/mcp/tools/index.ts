/**
 * The MCP tool set, in the order clients list it.
 */
import { ctxAdvisorTool } from "./ctx-advisor.tool.js";
import { findReferencesTool } from "./find-references.tool.js";
import { findSymbolTool } from "./find-symbol.tool.js";
import { getContextTool } from "./get-context.tool.js";
import { getInstructionsTool } from "./get-instructions.tool.js";
import { graphNeighborsTool } from "./graph-neighbors.tool.js";
import { listFilesTool } from "./list-files.tool.js";
import { listRepositoriesTool } from "./list-repositories.tool.js";
import { readDocTool } from "./read-doc.tool.js";
import { readFileTool } from "./read-file.tool.js";
import { searchCodeTool } from "./search-code.tool.js";
import { searchDocsTool } from "./search-docs.tool.js";
import type { ToolDefinition } from "./tool.js";

/** Every tool ctxpipe serves over MCP. */
// biome-ignore lint/suspicious/noExplicitAny: each tool has its own input type; the list only needs their common shape.
export const TOOLS: ToolDefinition<any>[] = [
  listRepositoriesTool,
  searchCodeTool,
  readFileTool,
  listFilesTool,
  findSymbolTool,
  findReferencesTool,
  getInstructionsTool,
  getContextTool,
  graphNeighborsTool,
  searchDocsTool,
  readDocTool,
  ctxAdvisorTool,
];
