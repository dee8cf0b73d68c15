/**
 * ctx_advisor: a question answered by the chat's agent loop over the other tools (a model
 * when one is configured, else the ranked evidence), with its citations checked against the
 * index, the sources the tools returned, and a conversation id to continue (the conversation
 * appears in the web chat's list under MCP). With a progress token, the client hears of each
 * step as it finishes (notifications/progress) before the answer.
 */
import { z } from "zod";
import { AppError } from "../../platform/errors.js";
import { clip, fitLines } from "../budget.js";
import type { ToolContext } from "./context.js";
import type { ToolDefinition } from "./tool.js";

const input = z.object({
  prompt: z.string().min(1).max(8_000).describe("The question."),
  currentProjectName: z.string().max(200).optional().describe("Repository in use."),
  conversationId: z.string().uuid().optional(),
});

/** The tool. */
export const ctxAdvisorTool: ToolDefinition<z.infer<typeof input>> = {
  name: "ctx_advisor",
  description: "Ask a question; an agent searches the code and answers with checked citations and a conversationId.",
  inputSchema: input,
  outputSchema: z.object({
    conversationId: z.string(),
    citations: z.array(z.object({ citation: z.string(), verified: z.boolean() })),
    sources: z.array(z.string()),
  }),
  async run(ctx: ToolContext, args) {
    if (!ctx.advise || !ctx.scope.userId) throw new AppError("unavailable", 503, "ctx_advisor is not available on this server.", { expose: true });
    const prompt = args.currentProjectName ? `(I am working in the repository ${args.currentProjectName}.)\n${args.prompt}` : args.prompt;
    // Progress: one notification when the work starts and one per finished step of the loop.
    const report = ctx.progress;
    let sent = Promise.resolve();
    const notify = (progress: number, message: string) => {
      if (report) sent = sent.then(() => report(progress, message)).catch(() => {});
    };
    notify(0, "Searching the organisation's code");
    const { conversationId, answer } = await ctx.advise(
      { orgId: ctx.scope.orgId, userId: ctx.scope.userId },
      {
        prompt,
        conversationId: args.conversationId,
        source: "mcp",
        signal: ctx.signal,
        onEvent: (event) => {
          if (event.type === "step" && event.index !== undefined)
            notify(event.index, event.toolCalls?.length ? `Step ${event.index}: ${event.toolCalls.join(", ")}` : `Step ${event.index}: writing the answer`);
        },
      },
    );
    await sent;
    const lines = [answer.text];
    if (answer.citations.length > 0) {
      lines.push("", "Citations checked against the index:");
      for (const c of answer.citations) lines.push(`- ${c.citation} ${c.verified ? "verified" : `UNVERIFIED: ${clip(c.reason ?? "", 200)}`}`);
    }
    // Without a model the text is the ranked evidence, its files cited already: the sources stay
    // in the structured content only, so the whole answer keeps to about 3,000 characters.
    const fromModel = (answer.steps ?? 1) > 0 || answer.citations.length > 0;
    if (fromModel && answer.sources.length > 0) lines.push("", "Sources the tools returned:", ...answer.sources.slice(0, 20).map((s) => `- ${s}`));
    lines.push("", `Conversation ${conversationId}: pass it as conversationId to follow up.`);
    const fitted = fitLines(lines);
    return {
      text: fitted.text,
      structured: {
        conversationId,
        citations: answer.citations.map((c) => ({ citation: c.citation, verified: c.verified })),
        sources: answer.sources.slice(0, 20),
      },
    };
  },
};
