/**
 * Which sentences of a contributor guide become instructions: over four CONTRIBUTING.md files
 * written like real projects' (contributing-fixtures.ts), exactly the imperative rules, each
 * with its line and strength; thanks, reassurance, explanation, questions and conditionals
 * stay out. Agent files keep their rules and lose only chatter.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { instructionsExtractor } from "../../src/graph/extractors/instructions.extractor.js";
import { CHECKLIST_STYLE, FLASK_STYLE, HONO_STYLE, ZOEKT_STYLE } from "./contributing-fixtures.js";

const repositoryId = "00000000-0000-4000-8000-000000000001";
const rules = (path: string, text: string) =>
  instructionsExtractor.extract({ repositoryId, path, text }).map((f) => [f.line, f.props?.strength ?? null, f.props?.text]);

describe("instructions mined from contributor guides", () => {
  it("keeps only the imperative rules of a hono-style guide", () => {
    assert.deepEqual(rules("CONTRIBUTING.md", HONO_STYLE), [
      [11, "should", "Developers should install Bun."],
      [17, null, "Please ensure your PR passes tests with `bun run test`. Also make sure to format your code with `bun run format:fix`."],
    ]);
  });

  it("keeps only the imperative rules of a flask-style guide", () => {
    assert.deepEqual(rules(".github/CONTRIBUTING.md", FLASK_STYLE), [
      [
        7,
        "must not",
        "Please don't use the issue tracker for this. Use one of the following resources for questions about using Flask or issues with your own code:",
      ],
      [12, null, "Ask on Stack Overflow. Search with Google first using: `site:stackoverflow.com flask {search term, exception message, etc.}`"],
      [16, null, "Include the following information in your post:"],
      [18, null, "Describe what you expected to happen."],
      [21, null, "Describe what actually happened. Include the full traceback if there was an exception."],
      [22, null, "List your Python and Flask versions."],
      [32, null, "Include the following in your patch:"],
      [34, null, "Use [Black](https://black.readthedocs.io) to format your code."],
      [36, null, "Include tests if your patch adds or changes code. Make sure the test fails without your patch."],
      [37, "should", "Update any relevant docs pages and docstrings. Docs pages and docstrings should be wrapped at 72 characters."],
      [
        39,
        null,
        "Add an entry in `CHANGES.rst`. Use the same style as other entries. Also include `.. versionchanged::` inline changelogs in relevant docstrings.",
      ],
      [44, null, "Download and install the latest version of git."],
      [45, null, "Configure git with your username and email."],
    ]);
  });

  it("keeps only the imperative rules of a zoekt-style guide", () => {
    assert.deepEqual(rules("docs/CONTRIBUTING.md", ZOEKT_STYLE), [
      [7, "should", "Changes should be small and focused."],
      [8, null, "Run `go test ./...` before sending a change."],
      [9, null, "Please run `gofmt` and `go vet`."],
      [11, null, "Open a discussion first."],
      [15, "should", "Commit messages should start with the affected package, for example `index: fix crash on empty shard`."],
    ]);
  });

  it("reads rules behind labels, emphasis and checkboxes, and leaves statements out", () => {
    assert.deepEqual(rules("CONTRIBUTING.md", CHECKLIST_STYLE), [
      [7, null, "**Tests:** run `npm test` and fix any failure."],
      [9, "must not", "**Never** commit secrets or `.env` files."],
      [10, "must", "All pull requests must target the `main` branch."],
      [11, "must", "You must sign the CLA before we can merge your change."],
      [15, "should not", "Avoid force-pushing after a review has started."],
    ]);
  });

  it("keeps an agent file's rules and drops only its chatter", () => {
    const text = [
      "# Agent notes",
      "",
      "This repository is a pnpm monorepo.",
      "- Prefer small pull requests.",
      "- Tag releases as vX.Y.Z.",
      "",
      "Thanks for helping!",
      "",
      "Why is the build slow?",
      "",
      "Don't worry about the generated files.",
      "",
    ].join("\n");
    assert.deepEqual(
      rules("AGENTS.md", text).map((r) => r[2]),
      ["This repository is a pnpm monorepo.", "Prefer small pull requests.", "Tag releases as vX.Y.Z."],
    );
  });
});
