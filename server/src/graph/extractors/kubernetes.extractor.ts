/**
 * Kubernetes manifests (YAML files under a `k8s`, `kubernetes`, `manifests`, `deploy` or
 * kustomize `base`/`overlays` folder, every document of a multi-document file, confirmed by
 * `apiVersion` and `kind`): workloads (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod)
 * as services that `use` their containers' images, with ports; Helm charts (`Chart.yaml`: the
 * chart and its dependencies) and their `values.yaml` images. Helm templates are not YAML
 * until rendered and are not read.
 */
import { type Document, isMap, LineCounter, parseAllDocuments } from "yaml";
import { baseName, dirName, type Extractor, ExtractionProblem, type Fact, isRecord } from "./extractor.js";
import { imageKey, localKey } from "./graph-keys.js";
import { imageFact, imageName } from "./images.js";
import { checkNesting, parseYaml } from "./structured-text.js";

const MANIFEST_FOLDERS = new Set(["k8s", "kube", "kubernetes", "manifests", "deploy", "deployment", "deployments", "overlays", "base", "kustomize"]);
const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "ReplicaSet"]);

/** Whether `path` is a manifest by folder, not inside a Helm chart's templates. */
function isManifestPath(path: string): boolean {
  if (!/\.ya?ml$/.test(path)) return false;
  const folders = dirName(path).split("/");
  return !folders.includes("templates") && folders.some((f) => MANIFEST_FOLDERS.has(f));
}

/** The pod spec of a workload (Deployment's template, CronJob's job template, a Pod itself). */
function podSpecOf(kind: string, spec: Record<string, unknown>): Record<string, unknown> | undefined {
  if (kind === "Pod") return spec;
  if (kind === "CronJob") {
    const job = isRecord(spec.jobTemplate) && isRecord(spec.jobTemplate.spec) ? spec.jobTemplate.spec : undefined;
    return job && isRecord(job.template) && isRecord(job.template.spec) ? job.template.spec : undefined;
  }
  return isRecord(spec.template) && isRecord(spec.template.spec) ? spec.template.spec : undefined;
}

function manifestFacts(repositoryId: string, path: string, text: string): Fact[] {
  if (text.length > 2 * 1024 * 1024) throw new ExtractionProblem("file too large to read");
  checkNesting(text);
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, uniqueKeys: false, merge: true });
  if (!Array.isArray(docs)) throw new ExtractionProblem("not valid YAML");
  const facts: Fact[] = [];
  for (const doc of docs.slice(0, 100) as Document[]) {
    if (doc.errors.length > 0) throw new ExtractionProblem(`not valid YAML: ${doc.errors[0]!.message.split("\n")[0]}`);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      throw new ExtractionProblem(`not readable: ${(err as Error).message.split("\n")[0]}`);
    }
    if (!isRecord(value) || typeof value.kind !== "string" || typeof value.apiVersion !== "string" || !WORKLOADS.has(value.kind)) continue;
    const meta = isRecord(value.metadata) ? value.metadata : {};
    const name = typeof meta.name === "string" ? meta.name : "(unnamed)";
    const line = doc.contents && isMap(doc.contents) && doc.contents.range ? counter.linePos(doc.contents.range[0]).line : 1;
    const subject = localKey("service", repositoryId, `k8s/${value.kind}/${name}`);
    const pod = isRecord(value.spec) ? podSpecOf(value.kind, value.spec) : undefined;
    const containers = [...(Array.isArray(pod?.containers) ? pod.containers : []), ...(Array.isArray(pod?.initContainers) ? pod.initContainers : [])].filter(
      isRecord,
    );
    const ports = containers.flatMap((c) => (Array.isArray(c.ports) ? c.ports.filter(isRecord).map((p) => String(p.containerPort ?? "")) : [])).filter(Boolean);
    facts.push({
      line,
      subject,
      predicate: "is",
      object: "service",
      props: {
        name,
        workload: value.kind,
        namespace: typeof meta.namespace === "string" ? meta.namespace : undefined,
        manifest: path,
        ports: ports.length ? ports.slice(0, 20) : undefined,
      },
    });
    const podPath =
      value.kind === "Pod" ? ["spec"] : value.kind === "CronJob" ? ["spec", "jobTemplate", "spec", "template", "spec"] : ["spec", "template", "spec"];
    const lineAt = (at: (string | number)[]) => {
      const node = doc.getIn(at, true) as { range?: [number, number, number] } | undefined;
      return node?.range ? counter.linePos(node.range[0]).line : line;
    };
    containers.slice(0, 20).forEach((c, i) => {
      const image = typeof c.image === "string" ? imageName(c.image) : undefined;
      const group = i < (Array.isArray(pod?.containers) ? pod.containers.length : 0) ? "containers" : "initContainers";
      const index = group === "containers" ? i : i - (Array.isArray(pod?.containers) ? pod.containers.length : 0);
      const at = lineAt([...podPath, group, index, "image"]);
      if (image)
        facts.push(imageFact(image, at), {
          line: at,
          subject,
          predicate: "uses",
          object: imageKey(image),
          props: { container: typeof c.name === "string" ? c.name : undefined },
        });
    });
  }
  return facts;
}

function chartFacts(repositoryId: string, path: string, text: string): Fact[] {
  const doc = parseYaml(text);
  if (!isRecord(doc.value) || typeof doc.value.name !== "string") throw new ExtractionProblem("Chart.yaml has no name");
  const chart = doc.value;
  const dir = dirName(path);
  const subject = localKey("package", repositoryId, dir || ".");
  const facts: Fact[] = [
    {
      line: doc.lineOf(["name"]),
      subject,
      predicate: "is",
      object: "package",
      props: {
        name: chart.name,
        ecosystem: "helm",
        path: dir,
        version: typeof chart.version === "string" ? chart.version : undefined,
        appVersion: typeof chart.appVersion === "string" ? chart.appVersion : undefined,
        kind: "service",
        evidence: "a Helm chart deploys it",
        description: typeof chart.description === "string" ? chart.description.slice(0, 300) : undefined,
      },
    },
  ];
  const deps = Array.isArray(chart.dependencies) ? chart.dependencies.filter(isRecord).slice(0, 100) : [];
  deps.forEach((d, i) => {
    if (typeof d.name === "string") {
      facts.push({
        line: doc.lineOf(["dependencies", i, "name"]),
        subject,
        predicate: "depends_on",
        object: `helm:${d.name}`,
        props: {
          scope: "runtime",
          version: typeof d.version === "string" ? d.version : undefined,
          repository: typeof d.repository === "string" ? d.repository : undefined,
        },
      });
    }
  });
  return facts;
}

/** Images named in a chart's values (`image: x` or `image: { repository, tag }`), at most 50, 6 levels deep. */
function valuesFacts(repositoryId: string, path: string, text: string): Fact[] {
  const doc = parseYaml(text);
  const subject = localKey("package", repositoryId, dirName(path) || ".");
  const facts: Fact[] = [];
  const walk = (node: unknown, at: (string | number)[]) => {
    if (facts.length >= 100 || at.length > 6 || !isRecord(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === "image") {
        const ref =
          typeof value === "string"
            ? value
            : isRecord(value) && typeof value.repository === "string"
              ? `${typeof value.registry === "string" ? `${value.registry}/` : ""}${value.repository}`
              : undefined;
        const image = ref ? imageName(ref) : undefined;
        const line = doc.lineOf([...at, key]);
        if (image) facts.push(imageFact(image, line), { line, subject, predicate: "uses", object: imageKey(image), props: { values: [...at, key].join(".") } });
      } else walk(value, [...at, key]);
    }
  };
  walk(doc.value, []);
  return facts;
}

/** The extractor. */
export const kubernetesExtractor: Extractor = {
  name: "kubernetes",
  matches: (path) => baseName(path) === "Chart.yaml" || isManifestPath(path),
  extract({ repositoryId, path, text }) {
    if (baseName(path) === "Chart.yaml") return chartFacts(repositoryId, path, text);
    return manifestFacts(repositoryId, path, text);
  },
};

/** A chart's `values.yaml` (in a chart folder: `charts/<name>/`, `helm/<name>/`, `chart/`, `helm/`). */
export const helmValuesExtractor: Extractor = {
  name: "helm-values",
  matches: (path) => /(^|\/)(charts?|helm)\/([^/]+\/)?values\.yaml$/.test(path),
  extract({ repositoryId, path, text }) {
    return valuesFacts(repositoryId, path, text);
  },
};
