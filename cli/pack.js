/**
 * Packs @ctxpipe/connect into dist-pack/ctxpipe-connect.tgz, the tarball the server offers at
 * GET /downloads/ctxpipe-connect.tgz (docs/mcp.md). The runtime dependencies are bundled in the
 * tarball (bundleDependencies), so `npx --yes <origin>/downloads/ctxpipe-connect.tgz init`
 * needs only the instance, not the npm registry. In this workspace the dependencies are hoisted
 * to the root node_modules, where `npm pack` would not find them, so the package is staged in a
 * temporary directory first. Run after `tsc` (npm run build -w cli).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, "dist-pack");
const pkg = JSON.parse(fs.readFileSync(path.join(here, "package.json"), "utf8"));
const dependencies = Object.keys(pkg.dependencies ?? {});
const stage = fs.mkdtempSync(path.join(os.tmpdir(), "ctxpipe-connect-pack-"));
try {
  const { scripts: _scripts, devDependencies: _dev, ...published } = pkg;
  fs.writeFileSync(path.join(stage, "package.json"), `${JSON.stringify({ ...published, bundleDependencies: dependencies }, null, 2)}\n`);
  fs.cpSync(path.join(here, "README.md"), path.join(stage, "README.md"));
  fs.cpSync(path.join(here, "dist"), path.join(stage, "dist"), { recursive: true });
  const require = createRequire(path.join(here, "package.json"));
  for (const dependency of dependencies) {
    // Looked up as Node would, without resolve(): a package's exports may hide package.json.
    const manifest = (require.resolve.paths(dependency) ?? []).map((dir) => path.join(dir, dependency, "package.json")).find((file) => fs.existsSync(file));
    if (!manifest) throw new Error(`${dependency} is not installed: run npm ci first.`);
    if (Object.keys(JSON.parse(fs.readFileSync(manifest, "utf8")).dependencies ?? {}).length > 0) {
      throw new Error(`${dependency} has dependencies of its own: bundle them too, or keep the package dependency-free.`);
    }
    fs.cpSync(path.dirname(manifest), path.join(stage, "node_modules", dependency), { recursive: true });
  }
  fs.mkdirSync(out, { recursive: true });
  const [packed] = JSON.parse(execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", out], { cwd: stage, encoding: "utf8" }));
  fs.renameSync(path.join(out, packed.filename), path.join(out, "ctxpipe-connect.tgz"));
  process.stdout.write(
    `cli/dist-pack/ctxpipe-connect.tgz: ${pkg.name}@${pkg.version}, ${packed.size} bytes, bundles ${dependencies.join(", ") || "nothing"}\n`,
  );
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
