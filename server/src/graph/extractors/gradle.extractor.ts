/**
 * Gradle (`settings.gradle[.kts]`, `build.gradle[.kts]`), in both the Groovy and the Kotlin
 * DSL, read with the brace tokenizer: settings give the build's projects (`include`), a build
 * file gives its project (a package of its folder; `group`, plugins) and the `dependencies`
 * block: `"group:name:version"` notations as `depends_on` edges to `maven:<group>:<name>` (the
 * same keys as Maven), `project(":x")` as edges to the other project. Version-catalog aliases
 * (`libs.x`) and dependencies built in code are not resolved.
 */
import { baseName, dirName, type Extractor, type Fact } from "./extractor.js";
import { closingIndex, type Token, tokenize } from "./code-tokens.js";
import { localKey } from "./graph-keys.js";
import { mavenKey } from "./maven.extractor.js";

const CONFIGURATIONS = new Set([
  "implementation",
  "api",
  "compileOnly",
  "runtimeOnly",
  "testImplementation",
  "testRuntimeOnly",
  "testCompileOnly",
  "annotationProcessor",
  "kapt",
  "ksp",
  "developmentOnly",
  "compile",
  "testCompile",
]);
const SERVICE_PLUGINS = ["org.springframework.boot", "io.micronaut.application", "io.quarkus", "io.ktor.plugin"];

/** A Gradle project path (":app:core") as a folder relative to the build's root. */
const projectDir = (root: string, projectPath: string) => [root, ...projectPath.split(":").filter(Boolean)].filter(Boolean).join("/");

/** The strings of a call's arguments starting at `i` (`include("a", "b")` or `include 'a', 'b'`). */
function stringArguments(tokens: Token[], i: number): Token[] {
  const out: Token[] = [];
  let k = i;
  const paren = tokens[k]?.text === "(";
  if (paren) k++;
  for (; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.type === "string") out.push(t);
    else if (t.text === "," || (t.type === "punct" && t.text === "\n")) continue;
    else break;
  }
  return out;
}

function settingsFacts(repositoryId: string, path: string, tokens: Token[]): Fact[] {
  const dir = dirName(path);
  const members: string[] = [];
  let name: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === "ident" && t.text === "include") for (const s of stringArguments(tokens, i + 1)) members.push(projectDir(dir, s.text));
    if (t.type === "ident" && t.text === "rootProject.name" && tokens[i + 1]?.text === "=" && tokens[i + 2]?.type === "string") name = tokens[i + 2]!.text;
  }
  return [
    {
      line: tokens[0]?.line ?? 1,
      subject: localKey("workspace", repositoryId, path),
      predicate: "is",
      object: "workspace",
      props: { name: name ?? `${dir || "(root)"} Gradle build`, ecosystem: "gradle", path: dir, members: members.slice(0, 200) },
    },
  ];
}

function buildFacts(repositoryId: string, path: string, tokens: Token[]): Fact[] {
  const dir = dirName(path);
  const subject = localKey("package", repositoryId, dir || ".");
  const deps: Fact[] = [];
  const plugins: string[] = [];
  let group: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === "ident" && t.text === "group" && tokens[i + 1]?.text === "=" && tokens[i + 2]?.type === "string") group = tokens[i + 2]!.text;
    if (t.type === "ident" && t.text === "id" && tokens[i + 1]?.text === "(" && tokens[i + 2]?.type === "string") plugins.push(tokens[i + 2]!.text);
    if (t.type === "ident" && t.text === "id" && tokens[i + 1]?.type === "string") plugins.push(tokens[i + 1]!.text);
    if (t.type === "ident" && (t.text === "application" || t.text === "java-application") && tokens[i - 1]?.text !== ".") plugins.push("application");
    if (!(t.type === "ident" && t.text === "dependencies" && tokens[i + 1]?.text === "{")) continue;
    const end = closingIndex(tokens, i + 1);
    for (let k = i + 2; k < end && deps.length < 500; k++) {
      const c = tokens[k]!;
      if (c.type !== "ident" || !CONFIGURATIONS.has(c.text)) continue;
      // configuration ( [platform(] "g:a:v" | project(":x") ... )
      let m = k + 1;
      if (tokens[m]?.text === "(") m++;
      if (tokens[m]?.type === "ident" && /^(platform|enforcedPlatform|testFixtures)$/.test(tokens[m]!.text) && tokens[m + 1]?.text === "(") m += 2;
      const arg = tokens[m];
      if (arg?.type === "string") {
        const [g, a, v] = arg.text.split(":");
        if (g && a) deps.push({ line: arg.line, subject, predicate: "depends_on", object: mavenKey(g, a), props: { scope: c.text, version: v } });
      } else if (arg?.type === "ident" && arg.text === "project" && tokens[m + 1]?.text === "(" && tokens[m + 2]?.type === "string") {
        deps.push({
          line: arg.line,
          subject,
          predicate: "depends_on",
          object: localKey("package", repositoryId, projectDir("", tokens[m + 2]!.text) || "."),
          props: { scope: c.text, version: "project" },
        });
      }
    }
    i = end;
  }
  const service = plugins.find((p) => SERVICE_PLUGINS.includes(p));
  const webStarter = deps.find((d) => /spring-boot-starter-web|ktor-server-core|javalin/.test(d.object));
  const kind = service
    ? { kind: "service", evidence: `plugin ${service}` }
    : webStarter
      ? { kind: "service", evidence: `depends on ${webStarter.object.slice(6)}` }
      : plugins.includes("application")
        ? { kind: "app", evidence: "plugin application" }
        : { kind: "library", evidence: "no server plugin, application plugin or Dockerfile seen" };
  return [
    {
      line: tokens[0]?.line ?? 1,
      subject,
      predicate: "is",
      object: "package",
      props: {
        name: group ? `${group}:${baseName(dir) || "(root)"}` : baseName(dir) || "(root)",
        ecosystem: "gradle",
        path: dir,
        kind: kind.kind,
        evidence: kind.evidence,
      },
    },
    ...deps,
  ];
}

/** The extractor. */
export const gradleExtractor: Extractor = {
  name: "gradle",
  matches: (path) => /^(settings|build)\.gradle(\.kts)?$/.test(baseName(path)),
  extract({ repositoryId, path, text }) {
    const tokens = tokenize(text);
    return baseName(path).startsWith("settings") ? settingsFacts(repositoryId, path, tokens) : buildFacts(repositoryId, path, tokens);
  },
};
