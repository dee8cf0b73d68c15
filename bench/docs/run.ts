/**
 * `npm run bench:docs`: Confluence documents, each measurement beside its baseline in the same
 * run. Pages come from the search benchmark's corpus (Markdown files cut at their `## `
 * sections, and TypeScript declaration files as code pages), served by the local fake of
 * Atlassian (server/test/harness/fake-atlassian.ts) in one space:
 * - first sync: the time until every page is a searchable document, against fetching the same
 *   listing and bodies straight from the fake (four at a time, as the sync does);
 * - incremental sync after 1 % of the pages were edited: its time and the bodies it fetched,
 *   against the first sync;
 * - search: `type:doc` latency (p50, p95) against ripgrep over the same pages' text as files.
 * Results go to bench-corpus/results/docs-latest.md and stdout.
 *
 * Options: --smoke (100 pages, 2 runs), --pages N (default 5000), --runs N (searches per query and side, default 10).
 */
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { parseArgs } from "node:util";
import { storageToText } from "../../server/src/documents/index.js";
import { type FakeAtlassian, startFakeAtlassian } from "../../server/test/harness/fake-atlassian.js";
import { corpusRoot, prepareCorpus, SMOKE_CORPUS } from "../search/corpus.js";
import { ApiClient, makeWorkDir, sleep, startDatabase, startServe } from "../search/pipeline.js";

const run = promisify(execFile);
const { values: opts } = parseArgs({
  options: { smoke: { type: "boolean", default: false }, pages: { type: "string" }, runs: { type: "string" } },
});
const PAGES = Number.parseInt(opts.pages ?? (opts.smoke ? "100" : "5000"), 10);
const RUNS = Math.max(1, Number.parseInt(opts.runs ?? (opts.smoke ? "2" : "10"), 10) || 10);
const SLUG = "bench";
const CORPUS = await corpusRoot(opts.smoke);
const QUERIES = ["Observable", '"breaking change"', "createReadStream", "/deprecat\\w+/"];
const t0 = Date.now();
const log = (line: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}
const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Storage-format pages from the corpus: Markdown sections, then declaration files as code. */
async function corpusPages(repo: string, max: number): Promise<{ title: string; body: string }[]> {
  const files = (await fs.readdir(repo, { recursive: true })).map(String).sort();
  const pages: { title: string; body: string }[] = [];
  for (const file of files.filter((f) => f.endsWith(".md"))) {
    const text = await fs.readFile(path.join(repo, file), "utf8").catch(() => "");
    let title = file;
    let lines: string[] = [];
    const emit = () => {
      if (lines.join("").trim())
        pages.push({ title: `${path.dirname(file)}: ${title}`.slice(0, 200), body: lines.map((l) => `<p>${escapeHtml(l)}</p>`).join("") });
      lines = [];
    };
    for (const line of text.split("\n")) {
      if (line.startsWith("## ")) {
        emit();
        title = line.slice(3).trim() || file;
      } else lines.push(line);
    }
    emit();
    if (pages.length >= max) return pages.slice(0, max);
  }
  for (const file of files.filter((f) => f.endsWith(".d.ts"))) {
    const text = (await fs.readFile(path.join(repo, file), "utf8").catch(() => "")).replaceAll("]]>", "]] >");
    if (!text.trim()) continue;
    pages.push({
      title: file.slice(0, 200),
      body: `<p>Declarations of ${escapeHtml(file)}.</p><ac:structured-macro ac:name="code"><ac:parameter ac:name="language">typescript</ac:parameter><ac:plain-text-body><![CDATA[${text}]]></ac:plain-text-body></ac:structured-macro>`,
    });
    if (pages.length >= max) break;
  }
  return pages;
}

/** The baseline: the listing and every body straight from the fake, four at a time. */
async function fetchDirectly(fake: FakeAtlassian, token: string): Promise<number> {
  const base = `${fake.url}/ex/confluence/${fake.cloudId}`;
  const get = async (url: string) => (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<any>;
  const ids: string[] = [];
  let next: string | undefined = "/wiki/api/v2/spaces/98305/pages?limit=250&status=current";
  while (next) {
    const page = await get(`${base}${next}`);
    ids.push(...page.results.map((p: { id: string }) => p.id));
    next = page._links.next;
  }
  let i = 0;
  const worker = async () => {
    while (i < ids.length) {
      const id = ids[i++]!;
      await get(`${base}/wiki/rest/api/content/${id}/restriction/byOperation/read`);
      await get(`${base}/wiki/api/v2/pages/${id}?body-format=storage`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return ids.length;
}

async function main() {
  const { paths } = await prepareCorpus(CORPUS, log, opts.smoke ? SMOKE_CORPUS : {});
  const pages = await corpusPages(paths.repo, PAGES);
  const textBytes = pages.reduce((n, p) => n + p.body.length, 0);
  log(`${pages.length} pages, ${(textBytes / 1e6).toFixed(1)} MB of storage format`);
  const fake = await startFakeAtlassian();
  pages.forEach((p, i) =>
    fake.addPage({ id: String(100_000 + i), title: p.title, spaceId: "98305", parentId: null, authorId: "557058:alice", body: p.body, restricted: false }),
  );
  const work = await makeWorkDir();
  const db = await startDatabase(work);
  const serve = await startServe({
    databaseUrl: db.url,
    dataDir: path.join(work, "data"),
    localRepositoriesRoot: CORPUS,
    logFile: path.join(work, "serve.log"),
    env: { ATLASSIAN_AUTH_URL: fake.url, ATLASSIAN_API_URL: fake.url, CTXPIPE_GIT_ALLOWED_HOSTS: "127.0.0.1" },
  });
  try {
    const api = new ApiClient(serve.baseUrl);
    await api.setUp(SLUG);
    const created = await api.call<{ id: string }>(
      "POST",
      `/api/v1/orgs/${SLUG}/connections/confluence`,
      { name: "Bench wiki", clientId: fake.clientId, clientSecret: fake.clientSecret },
      201,
    );
    const base = `/api/v1/orgs/${SLUG}/connections/confluence/${created.id}`;
    const { authorizeUrl } = (await (await api.callAsSession("POST", `${base}/authorize`)).json()) as { authorizeUrl: string };
    const consent = await fetch(authorizeUrl, { redirect: "manual" });
    const back = new URL(consent.headers.get("location")!);
    const callback = await api.callAsSession("GET", `${back.pathname}${back.search}`);
    if (callback.status !== 302) throw new Error(`callback: ${callback.status} ${await callback.text()}`);

    const waitSync = async (after: string | null) => {
      for (;;) {
        const c = await api.call<{
          lastSync: { at: string; pages: number; added: number; updated: number; failedPages: number } | null;
          lastError: string | null;
        }>("GET", base);
        if (c.lastSync && c.lastSync.at !== after) return c.lastSync;
        await sleep(100);
      }
    };
    log("first sync");
    let started = performance.now();
    await api.call("PUT", `${base}/spaces`, { spaces: ["ENG"] });
    const first = await waitSync(null);
    const firstMs = performance.now() - started;
    log(`first sync: ${first.added} documents in ${(firstMs / 1000).toFixed(1)} s`);

    // The baseline uses a token of its own from the fake (a refresh grant would rotate ctxpipe's).
    const token = await (async () => {
      const code = new URL((await fetch(authorizeUrl.replace(/state=[^&]*/, "state=bench"), { redirect: "manual" })).headers.get("location")!).searchParams.get(
        "code",
      )!;
      const res = await fetch(`${fake.url}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          grant_type: "authorization_code",
          client_id: fake.clientId,
          client_secret: fake.clientSecret,
          code,
          redirect_uri: back.origin + back.pathname,
        }),
      });
      return ((await res.json()) as { access_token: string }).access_token;
    })();
    started = performance.now();
    const fetched = await fetchDirectly(fake, token);
    const directMs = performance.now() - started;
    log(`baseline: ${fetched} pages fetched in ${(directMs / 1000).toFixed(1)} s`);

    const edits = Math.max(1, Math.round(pages.length / 100));
    const step = Math.floor(pages.length / edits);
    for (let i = 0; i < edits; i++) {
      const id = String(100_000 + i * step);
      const page = fake.pages.get(id)!;
      fake.editPage(id, { body: `${page.body}<p>Edited for the benchmark.</p>` });
    }
    fake.bodyFetches.length = 0;
    started = performance.now();
    const syncAt = (await api.call<{ lastSync: { at: string } }>("GET", base)).lastSync.at;
    await api.call("POST", `${base}/sync`, {}, 202);
    const second = await waitSync(syncAt);
    const incrementalMs = performance.now() - started;
    log(`incremental sync: ${second.updated} updated, ${fake.bodyFetches.length} bodies fetched, ${(incrementalMs / 1000).toFixed(1)} s`);

    // Search: type:doc against ripgrep over the same pages' text as files.
    const textDir = path.join(work, "pages");
    await fs.mkdir(textDir, { recursive: true });
    for (const [id, page] of fake.pages) await fs.writeFile(path.join(textDir, `${id}.txt`), `# ${page.title}\n${storageToText(page.body).text}\n`);
    const rows: string[] = [];
    for (const q of QUERIES) {
      const ours: number[] = [];
      const rg: number[] = [];
      let found = 0;
      let rgFound = 0;
      await api.call("GET", `/api/v1/orgs/${SLUG}/search?q=${encodeURIComponent(`type:doc ${q}`)}&limit=10`);
      for (let i = 0; i < RUNS; i++) {
        let t = performance.now();
        const res = await api.call<{ documents: unknown[]; partial: boolean }>(
          "GET",
          `/api/v1/orgs/${SLUG}/search?q=${encodeURIComponent(`type:doc ${q}`)}&limit=10`,
        );
        ours.push(performance.now() - t);
        found = res.documents.length;
        const pattern = q.startsWith("/") || q.startsWith('"') ? q.slice(1, -1) : q;
        t = performance.now();
        const out = await run("rg", ["-i", "-l", ...(q.startsWith("/") ? [] : ["-F"]), pattern, textDir]).catch((err: { stdout?: string }) => ({
          stdout: err.stdout ?? "",
        }));
        rg.push(performance.now() - t);
        rgFound = out.stdout.split("\n").filter(Boolean).length;
      }
      rows.push(
        `| \`${q}\` | ${percentile(ours, 50).toFixed(1)} | ${percentile(ours, 95).toFixed(1)} | ${found} (of the best 10) | ${percentile(rg, 50).toFixed(1)} | ${percentile(rg, 95).toFixed(1)} | ${rgFound} |`,
      );
      log(`search ${q}: p50 ${percentile(ours, 50).toFixed(1)} ms; ripgrep ${percentile(rg, 50).toFixed(1)} ms`);
    }

    const report = [
      `# bench:docs (${new Date().toISOString()})`,
      "",
      `${pages.length} pages (${(textBytes / 1e6).toFixed(1)} MB storage format) in one space of the local fake Atlassian; ctxpipe serve with its own Postgres.`,
      "",
      "| Sync | ctxpipe | Baseline |",
      "| --- | --- | --- |",
      `| First sync (list, restrictions, bodies, convert, store, index) | ${(firstMs / 1000).toFixed(1)} s, ${Math.round((first.added / firstMs) * 1000)} pages/s | fetching the same from the fake, 4 at a time: ${(directMs / 1000).toFixed(1)} s |`,
      `| Incremental sync after editing ${edits} pages | ${(incrementalMs / 1000).toFixed(1)} s, ${fake.bodyFetches.length} bodies fetched, ${second.updated} updated | the first sync: ${(firstMs / 1000).toFixed(1)} s |`,
      "",
      `Search (${RUNS} runs each, ms; ripgrep: \`rg -i -l\` over the pages as text files, no index):`,
      "",
      "| Query | type:doc p50 | p95 | documents | ripgrep p50 | p95 | files |",
      "| --- | --- | --- | --- | --- | --- | --- |",
      ...rows,
      "",
    ].join("\n");
    await fs.mkdir(path.join(CORPUS, "results"), { recursive: true });
    await fs.writeFile(path.join(CORPUS, "results", "docs-latest.md"), report);
    process.stdout.write(report);
  } finally {
    await serve.stop();
    await db.stop();
    await fake.stop();
  }
}

await main();
