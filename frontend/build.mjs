// Bundles every frontend/src/pages/<name>.js into static/dist/<name>.js (ESM, shared chunks
// in static/dist/chunks/). Deterministic: the committed static/dist must equal a rebuild,
// which tests/test_bundle.py checks. Usage: node frontend/build.mjs [outdir]
import { readdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const pages = join(root, "frontend/src/pages");
const outdir = resolve(process.argv[2] || join(root, "static/dist"));

rmSync(outdir, { recursive: true, force: true });
await esbuild.build({
  absWorkingDir: root,
  entryPoints: readdirSync(pages)
    .filter((name) => name.endsWith(".js"))
    .sort()
    .map((name) => join("frontend/src/pages", name)),
  outdir,
  bundle: true,
  format: "esm",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  minify: true,
  target: "es2020",
  legalComments: "none",
  charset: "utf8",
  logLevel: "warning",
  define: { "process.env.NODE_ENV": '"production"' },
});
