/**
 * Extractors on hostile and awkward inputs (found in review): they refuse what they cannot
 * read with an ExtractionProblem, never another error; they finish in linear time on long
 * runs of spaces and deep nesting; and they read the forms real repositories use (unquoted
 * Cursor globs, braces in applyTo, HCL heredocs, merge keys, dotted TOML tables, exclusions).
 * Deeply nested YAML (block sequences, indentation, flow collections) is refused in a fresh
 * process with a small heap, where the parser would otherwise run out of memory.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
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

/** Runs `extractor.extract` on each case in a fresh process with a 128 MB heap; what each answered. */
function extractInSmallHeap(
  cases: { extractor: "composeExtractor" | "apiSpecExtractor" | "kubernetesExtractor"; path: string; text: string }[],
): Promise<{ code: number | null; answers: string[]; stderr: string }> {
  const script = `
    let input = "";
    for await (const chunk of process.stdin) input += chunk;
    const cases = JSON.parse(input);
    const MODULES = { composeExtractor: "./compose.extractor.ts", apiSpecExtractor: "./api-spec.extractor.ts", kubernetesExtractor: "./kubernetes.extractor.ts" };
    const { ExtractionProblem } = await import(${JSON.stringify(new URL("./extractor.ts", import.meta.url).href)});
    const answers = [];
    for (const c of cases) {
      const module = await import(new URL(MODULES[c.extractor], ${JSON.stringify(import.meta.url)}).href);
      try {
        answers.push("facts " + module[c.extractor].extract({ repositoryId: "${repositoryId}", path: c.path, text: c.text }).length);
      } catch (err) {
        answers.push(err instanceof ExtractionProblem ? "problem: " + err.message : "error: " + err);
      }
    }
    process.stdout.write(JSON.stringify(answers));
  `;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["--max-old-space-size=128", "--import", new URL("../../../bin/ts-hooks.js", import.meta.url).href, "--input-type=module", "--eval", script],
      { maxBuffer: 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, answers: stdout ? JSON.parse(stdout) : [], stderr }),
    );
    child.stdin!.end(JSON.stringify(cases));
  });
}

describe("extractors on deeply nested YAML", () => {
  it("refuse block and flow nesting in a small heap, and still read normal files", async () => {
    const sequences = "- ".repeat(100_000);
    const indented = Array.from({ length: 1_500 }, (_, i) => `${" ".repeat(i)}-`).join("\n");
    const mappings = Array.from({ length: 1_500 }, (_, i) => `${" ".repeat(i)}k:`).join("\n");
    const cases: Parameters<typeof extractInSmallHeap>[0] = [
      // 1.8 MB, under the size cap: the parser alone runs a 128 MB heap out of memory on it.
      { extractor: "composeExtractor", path: "compose.yaml", text: `${"- ".repeat(900_000)}x` },
      { extractor: "composeExtractor", path: "docker-compose.yml", text: sequences },
      { extractor: "composeExtractor", path: "compose.yaml", text: `services:\n  web:\n    ports: ${sequences}x\n` },
      { extractor: "apiSpecExtractor", path: "openapi.yaml", text: `openapi: 3.0.0\npaths:\n  /a:\n    get:\n      x:\n${"-\n".repeat(10)}${sequences}\n` },
      { extractor: "kubernetesExtractor", path: "k8s/pod.yaml", text: `apiVersion: v1\nkind: Pod\nspec:\n  - ${sequences}\n` },
      { extractor: "composeExtractor", path: "compose.yaml", text: indented },
      { extractor: "composeExtractor", path: "compose.yaml", text: mappings },
      { extractor: "composeExtractor", path: "compose.yaml", text: `services: ${"[".repeat(100_000)}${"]".repeat(100_000)}` },
      { extractor: "apiSpecExtractor", path: "openapi.json", text: `{"openapi":"3.0.0","paths":${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}}` },
      { extractor: "composeExtractor", path: "compose.yaml", text: `services:\n${"  - [".repeat(1_000)}` },
      { extractor: "composeExtractor", path: "compose.yaml", text: `${"a: ".repeat(600_000)}x` },
      { extractor: "composeExtractor", path: "compose.yaml", text: `services:\n  - ${"- &a !!seq ".repeat(100_000)}x` },
      {
        extractor: "composeExtractor",
        path: "docker-compose.yml",
        text: "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - 8080:80\n    depends_on:\n      - db\n  db:\n    image: postgres:16\n",
      },
      {
        extractor: "apiSpecExtractor",
        path: "openapi.yaml",
        text: "openapi: 3.0.0\ninfo:\n  title: Pets\npaths:\n  /pets:\n    get:\n      operationId: listPets\n    post:\n      operationId: addPet\n",
      },
    ];
    // JSON on one line with a space after each colon (Python's json.dumps), 150 levels of pretty-printed JSON: read.
    const paths = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`/r${i}`, { get: { operationId: `op${i}`, summary: "a: b - c" } }]));
    cases.push({
      extractor: "apiSpecExtractor",
      path: "openapi.json",
      text: JSON.stringify({ openapi: "3.0.0", paths }).replace(/":/g, '": ').replace(/,"/g, ', "'),
    });
    let nested: unknown = 1;
    for (let i = 0; i < 75; i++) nested = { k: [nested] };
    cases.push({
      extractor: "apiSpecExtractor",
      path: "openapi.json",
      text: JSON.stringify({ openapi: "3.0.0", "x-deep": nested, paths: { "/a": { get: {} } } }, null, 2),
    });
    const { code, answers, stderr } = await extractInSmallHeap(cases);
    assert.equal(code, 0, `the process ended with ${code}: ${stderr.slice(-500)}`);
    assert.equal(answers.length, cases.length);
    for (const [i, answer] of answers.slice(0, -4).entries()) assert.match(answer, /^problem: nested more than 200 levels deep$/, `case ${i}`);
    assert.deepEqual(answers.slice(-4), ["facts 7", "facts 3", "facts 301", "facts 2"]);
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
