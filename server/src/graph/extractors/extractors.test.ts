/**
 * Extractors on hostile and awkward inputs (found in review): they refuse what they cannot
 * read with an ExtractionProblem, never another error; they finish in linear time on long
 * runs of spaces and deep nesting; and they read the forms real repositories use (unquoted
 * Cursor globs, braces in applyTo, HCL heredocs, merge keys, dotted TOML tables, exclusions).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cargoExtractor } from "./cargo.extractor.js";
import { composeExtractor } from "./compose.extractor.js";
import { ExtractionProblem, type Fact } from "./extractor.js";
import { instructionsExtractor } from "./instructions.extractor.js";
import { kubernetesExtractor } from "./kubernetes.extractor.js";
import { markdownBlocks } from "./markdown-blocks.js";
import { mavenExtractor } from "./maven.extractor.js";
import { npmExtractor } from "./npm.extractor.js";
import { pythonExtractor } from "./python.extractor.js";
import { parseTomlDocument } from "./structured-text.js";
import { terraformExtractor } from "./terraform.extractor.js";

const repositoryId = "00000000-0000-4000-8000-000000000001";
const run = (extractor: { extract(input: { repositoryId: string; path: string; text: string }): Fact[] }, path: string, text: string) =>
  extractor.extract({ repositoryId, path, text });

describe("extractors on hostile input", () => {
  it("refuses an alias bomb in a manifest with an ExtractionProblem", () => {
    const text = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  a: &a [x]\n${Array.from({ length: 120 }, (_, i) => `  k${i}: *a`).join("\n")}\n`;
    assert.throws(() => run(kubernetesExtractor, "k8s/pod.yaml", text), ExtractionProblem);
  });

  it("refuses nesting deeper than the parser may recurse", () => {
    const deep = `{"name":"x","a":${"[".repeat(3000)}${"]".repeat(3000)}}`;
    assert.throws(() => run(npmExtractor, "package.json", deep), ExtractionProblem);
  });

  it("reads long runs of spaces in TOML headers and Markdown headings in linear time", () => {
    const spaces = " ".repeat(50_000);
    assert.throws(() => parseTomlDocument(`[${spaces}x\nname = 1\n`), ExtractionProblem);
    assert.equal(parseTomlDocument(`[package]\nname = "a"\n# [${spaces}x\n`).lineOf("package", "name"), 2);
    const blocks = markdownBlocks(`# a${spaces}b\n\n## Title ##\n`);
    assert.deepEqual(
      blocks.map((b) => [b.type, b.level, b.text.length > 100 ? "long" : b.text]),
      [
        ["heading", 1, "long"],
        ["heading", 2, "Title"],
      ],
    );
  });
});

describe("extractors on real-world forms", () => {
  it("reads Cursor's unquoted globs and Copilot's braces", () => {
    const cursor = run(
      instructionsExtractor,
      ".cursor/rules/ts.mdc",
      "---\ndescription: TS\nglobs: **/*.ts, *.tsx\nalwaysApply: false\n---\n- Use strict mode.\n",
    );
    assert.deepEqual(cursor[0]!.props?.globs, ["**/*.ts", "*.tsx"]);
    assert.equal(cursor[0]!.line, 6);
    const copilot = run(instructionsExtractor, ".github/instructions/ts.instructions.md", '---\napplyTo: "**/*.{ts,tsx}"\n---\nPrefer interfaces.\n');
    assert.deepEqual(copilot[0]!.props?.globs, ["**/*.{ts,tsx}"]);
  });

  it("reads Terraform after a heredoc that holds comment markers, with the right lines", () => {
    const text = [
      'resource "aws_instance" "web" {',
      "  user_data = <<-EOT",
      "    rm -rf /var/cache/*",
      "  EOT",
      "}",
      'resource "aws_sqs_queue" "jobs" {',
      '  name = "a \\',
      'b"',
      "}",
      'resource "aws_s3_bucket" "files" {}',
      "",
    ].join("\n");
    const facts = run(terraformExtractor, "envs/prod/main.tf", text).map((f) => [f.subject.split(":").slice(2).join(":"), f.object, f.line]);
    assert.deepEqual(facts, [
      ["envs/prod/aws_sqs_queue.jobs", "queue", 6],
      ["envs/prod/aws_s3_bucket.files", "datastore", 10],
    ]);
  });

  it("cites a dotted TOML dependency table at its own header", () => {
    const facts = run(cargoExtractor, "Cargo.toml", '[package]\nname = "a"\n\n[dependencies]\nlog = "0.4"\n\n[dependencies.serde]\nversion = "1"\n');
    assert.deepEqual(
      facts.filter((f) => f.predicate === "depends_on").map((f) => [f.object, f.line]),
      [
        ["cargo:log", 5],
        ["cargo:serde", 7],
      ],
    );
  });

  it("follows compose merge keys to the images they bring", () => {
    const text = "x-base: &base\n  image: redis:7\nservices:\n  cache:\n    <<: *base\n";
    assert.ok(run(composeExtractor, "compose.yaml", text).some((f) => f.predicate === "uses" && f.object === "image:redis"));
  });

  it("cites each Maven dependency at its own artifactId, past exclusions", () => {
    const pom = [
      "<project>",
      "  <groupId>g</groupId><artifactId>app</artifactId>",
      "  <dependencies>",
      "    <dependency><groupId>b</groupId><artifactId>core</artifactId>",
      "      <exclusions><exclusion><groupId>c</groupId><artifactId>util</artifactId></exclusion></exclusions>",
      "    </dependency>",
      "    <dependency>",
      "      <groupId>c</groupId>",
      "      <artifactId>util</artifactId>",
      "    </dependency>",
      "  </dependencies>",
      "</project>",
    ].join("\n");
    const deps = run(mavenExtractor, "pom.xml", pom).filter((f) => f.predicate === "depends_on");
    assert.deepEqual(
      deps.map((f) => [f.object, f.line]),
      [
        ["maven:b:core", 4],
        ["maven:c:util", 9],
      ],
    );
  });

  it("reads a pyproject.toml that only configures tools as no package, not a problem", () => {
    assert.deepEqual(run(pythonExtractor, "pyproject.toml", "[tool.ruff]\nline-length = 100\n"), []);
  });
});
