// Builds static/dist/ (committed; tests/test_bundle.py checks it equals a rebuild):
//
// - every frontend/src/pages/<name>.js → dist/<name>-<hash>.js (ESM; shared and lazily
//   imported code in dist/chunks/<name>-<hash>.js);
// - every static/css/<name>.css → dist/css/<name>-<hash>.css (minified);
// - every static/img/<file> → dist/img/<name>-<hash>.<ext> (copied);
// - dist/icons.svg: one sprite of the Lucide icons frontend/icons.txt names, each a
//   <symbol id="i-NAME">; base.html writes it into every page (app/core/templating.py),
//   so it is never requested and keeps its plain name;
// - dist/assets.json: which logical name ("dist/paper.js", "css/palabre.css", "img/x.svg")
//   is which hashed file, the SHA-256 of each copied or single-file source (the server
//   serves a source edited since the last build instead of its stale copy), and every
//   hashed file (served `immutable`, see app/pwa/assets.py), and the files each page's
//   module imports, at once or later by name (a page may `modulepreload` them);
// - a .br (Brotli 11) and a .gz (gzip 9) beside every text file: the server sends them as
//   they are, at no CPU cost;
// - dist/sw.js, the service worker (frontend/src/sw/sw.js with Workbox), which precaches
//   every hashed file: it changes whenever one of them does, so browsers install the new
//   version. The server serves it at /sw.js (app/pwa/views.py).
//
// Usage: node frontend/build.mjs [outdir]
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const pages = join(root, "frontend/src/pages");
const outdir = resolve(process.argv[2] || join(root, "static/dist"));
const staticDir = join(root, "static");

const common = {
  absWorkingDir: root,
  bundle: true,
  minify: true,
  legalComments: "none",
  charset: "utf8",
  logLevel: "warning",
  metafile: true,
};

const sha256 = (data) => createHash("sha256").update(data).digest("hex");
// esbuild's own hash alphabet and length, for names that look alike.
const shortHash = (data) => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const digest = createHash("sha256").update(data).digest();
  let out = "";
  for (let i = 0; i < 8; i++) out += alphabet[digest[i] & 31];
  return out;
};
const list = (folder, ext) =>
  readdirSync(folder)
    .filter((name) => !ext || name.endsWith(ext))
    .filter((name) => statSync(join(folder, name)).isFile())
    .sort();
// A built file's name relative to static/ (as if outdir were static/dist).
const rel = (file) => `dist/${relative(outdir, file).split("\\").join("/")}`;

// @lezer/common (a grammar runtime the editor no longer uses, imported by
// @codemirror/commands for its code commands) does not declare itself free of side effects:
// say it for it, so that the bundle drops it (18 KB).
const unusedGrammar = {
  name: "side-effect-free",
  setup(build) {
    build.onResolve({ filter: /^@lezer\/common$/ }, async (args) => {
      if (args.pluginData?.resolving) return undefined;
      const found = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { resolving: true },
      });
      return { ...found, sideEffects: false };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
const assets = {};
const sources = {};
const files = [];

// 1. JavaScript of the pages. The shell (every page) and the offline page stand alone:
// the few modules they share with the pages would otherwise become tiny chunks, each one
// more round trip before the paper is editable on 3G.
const STANDALONE = new Set(["shell.js", "offline.js"]);
const jsOptions = {
  ...common,
  outdir,
  format: "esm",
  entryNames: "[name]-[hash]",
  chunkNames: "chunks/[name]-[hash]",
  target: "es2020",
  define: { "process.env.NODE_ENV": '"production"' },
  plugins: [unusedGrammar],
};
const js = await esbuild.build({
  ...jsOptions,
  entryPoints: list(pages, ".js")
    .filter((name) => !STANDALONE.has(name))
    .map((name) => join("frontend/src/pages", name)),
  splitting: true,
});
for (const name of [...STANDALONE].sort()) {
  const alone = await esbuild.build({ ...jsOptions, entryPoints: [join("frontend/src/pages", name)] });
  Object.assign(js.metafile.outputs, alone.metafile.outputs);
}
const preload = {};
const outputs = js.metafile.outputs;
// The files a page's module needs before it runs (its static imports, transitively), and
// those it imports later by name: the page may preload them (app/pwa/assets.py).
const staticImports = (output, seen = new Set()) => {
  for (const item of outputs[output].imports) {
    if (item.kind !== "import-statement" || seen.has(item.path)) continue;
    seen.add(item.path);
    staticImports(item.path, seen);
  }
  return seen;
};
for (const [output, meta] of Object.entries(outputs)) {
  const file = resolve(root, output);
  files.push(file);
  if (!meta.entryPoint?.startsWith("frontend/src/pages/")) continue;
  const name = `dist/${basename(meta.entryPoint)}`;
  assets[name] = file;
  // Every module it may import later (dynamically, at any depth), by its source's name.
  const lazy = {};
  const seen = new Set([output]);
  const walk = (from) => {
    for (const item of outputs[from].imports) {
      if (seen.has(item.path) || !outputs[item.path]) continue;
      seen.add(item.path);
      if (item.kind === "dynamic-import") {
        const files = [item.path, ...staticImports(item.path)].map((p) => resolve(root, p));
        lazy[basename(outputs[item.path].entryPoint, ".js")] = files;
      }
      walk(item.path);
    }
  };
  walk(output);
  preload[name] = { imports: [...staticImports(output)].map((p) => resolve(root, p)), lazy };
}

// 2. Style sheets.
const css = await esbuild.build({
  ...common,
  entryPoints: list(join(staticDir, "css"), ".css").map((name) => join("static/css", name)),
  outdir: join(outdir, "css"),
  entryNames: "[name]-[hash]",
  target: ["chrome80", "firefox78", "safari13"],
});
for (const [output, meta] of Object.entries(css.metafile.outputs)) {
  const file = resolve(root, output);
  files.push(file);
  const source = meta.entryPoint.replace(/^static\//, "");
  assets[source] = file;
  sources[source] = sha256(readFileSync(join(staticDir, source)));
}

// 3. Images, copied under a hashed name.
mkdirSync(join(outdir, "img"), { recursive: true });
for (const name of list(join(staticDir, "img"))) {
  const source = join(staticDir, "img", name);
  const data = readFileSync(source);
  const ext = extname(name);
  const file = join(outdir, "img", `${basename(name, ext)}-${shortHash(data)}${ext}`);
  copyFileSync(source, file);
  files.push(file);
  assets[`img/${name}`] = file;
  sources[`img/${name}`] = sha256(data);
}

// 3b. The icon sprite: the Lucide icons the interface uses (frontend/icons.txt), each
// a <symbol> keeping its stroke attributes (so <use> draws it as Lucide does), under the
// package's licence comment once.
const lucide = join(root, "node_modules/lucide-static");
const iconNames = [
  ...new Set(
    readFileSync(join(root, "frontend/icons.txt"), "utf8")
      .split("\n")
      .map((line) => line.replace(/#.*/, "").trim())
      .filter(Boolean),
  ),
].sort();
const symbols = iconNames.map((name) => {
  const file = join(lucide, "icons", `${name}.svg`);
  let svg;
  try {
    svg = readFileSync(file, "utf8");
  } catch {
    throw new Error(`frontend/icons.txt: no Lucide icon named ${name} (${file})`);
  }
  const [, attributes, body] = svg.match(/<svg([^>]*)>([\s\S]*)<\/svg>/);
  const keep = ["viewBox", "fill", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin"]
    .map((key) => [key, attributes.match(new RegExp(`\\s${key}="([^"]*)"`))?.[1]])
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ` ${key}="${value}"`)
    .join("");
  const shapes = body.replace(/\s*\n\s*/g, "").replace(/\s*\/>/g, "/>");
  return `<symbol id="i-${name}"${keep}>${shapes}</symbol>`;
});
const lucideVersion = JSON.parse(readFileSync(join(lucide, "package.json"), "utf8")).version;
writeFileSync(
  join(outdir, "icons.svg"),
  `<!-- @license lucide-static v${lucideVersion} - ISC -->\n` +
    `<svg class="icon-sprite" aria-hidden="true" focusable="false" width="0" height="0">\n` +
    symbols.join("\n") +
    "\n</svg>\n",
);

// 4. The service worker: precaches every hashed file (their names change with their bytes,
// so no revision is needed: the HTTP cache may answer the precache's requests).
const precache = files.map((file) => ({ url: `/static/${rel(file)}`, revision: null })).sort((a, b) => (a.url < b.url ? -1 : 1));
const sw = await esbuild.build({
  ...common,
  entryPoints: ["frontend/src/sw/sw.js"],
  outfile: join(outdir, "sw.js"),
  format: "iife",
  target: "es2020",
  define: { "process.env.NODE_ENV": '"production"' },
  plugins: [
    {
      name: "precache-manifest",
      setup(build) {
        build.onResolve({ filter: /^virtual:precache$/ }, () => ({ path: "precache", namespace: "palabre" }));
        build.onLoad({ filter: /.*/, namespace: "palabre" }, () => ({
          contents: `export default ${JSON.stringify(precache)};`,
          loader: "js",
        }));
      },
    },
  ],
});
void sw;

// 5. assets.json (sorted: the build is deterministic).
const sorted = (object) => Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : 1)));
const relAll = (list) => list.map(rel).sort();
const manifest = {
  assets: sorted(Object.fromEntries(Object.entries(assets).map(([name, file]) => [name, rel(file)]))),
  preload: sorted(
    Object.fromEntries(
      Object.entries(preload).map(([name, { imports, lazy }]) => [
        name,
        {
          imports: relAll(imports),
          lazy: sorted(Object.fromEntries(Object.entries(lazy).map(([key, list]) => [key, relAll(list)]))),
        },
      ]),
    ),
  ),
  sources: sorted(sources),
  files: files.map(rel).sort(),
};
writeFileSync(join(outdir, "assets.json"), `${JSON.stringify(manifest, null, 1)}\n`);

// 6. Precompressed copies of every text file worth it.
const TEXT = new Set([".js", ".css", ".svg", ".json"]);
const walk = (folder) =>
  readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(folder, entry.name)) : [join(folder, entry.name)],
  );
for (const file of walk(outdir).sort()) {
  const unsent = ["sw.js", "assets.json", "icons.svg"].map((name) => join(outdir, name));
  if (!TEXT.has(extname(file)) || unsent.includes(file)) continue;
  const data = readFileSync(file);
  if (data.length < 1024) continue;
  writeFileSync(
    `${file}.br`,
    brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }),
  );
  const gz = gzipSync(data, { level: 9 });
  gz[9] = 3; // the header's OS byte: the same on every platform (zlib writes 19 on macOS)
  writeFileSync(`${file}.gz`, gz);
}
