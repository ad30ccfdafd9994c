// Rebuilds the front-end assets that `kg serve` ships, from the exact versions in
// package-lock.json:  npm ci && node build.mjs
//
// Served to browsers (src/kg/server/static/vendor/):
//   geo.js              d3-geo + topojson-client, bundled by esbuild (global kgGeo)
//   countries.json      world-atlas: Natural Earth 1:50m countries as TopoJSON, simplified
//                       (topojson-simplify) and quantized
//   cytoscape.min.js    cytoscape's own minified build (global cytoscape)
//   codemirror.js       CodeMirror 6 + its SPARQL mode, bundled by esbuild (global kgCodeMirror)
// Used by the tests only (tests/vendor/): axe.min.js, axe-core's own build.
//
// Every package that ends up in a file has its licence copied next to it, and manifest.json
// records per file its sha256, its size (raw and gzipped) and the packages it holds (name,
// version, licence), so tests/test_vendor.py can check the files were not edited by hand.
import { build } from "esbuild";
import { quantize } from "topojson-client";
import { presimplify, quantile, simplify } from "topojson-simplify";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..");
const modules = join(here, "node_modules");
const targets = {
  static: join(repo, "src/kg/server/static/vendor"),
  tests: join(repo, "tests/vendor"),
};

function packageOf(path) {
  // "node_modules/@codemirror/view/dist/index.js" -> "@codemirror/view"
  const parts = relative(modules, path).split("/");
  return parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
}

function meta(name) {
  const json = JSON.parse(readFileSync(join(modules, name, "package.json"), "utf8"));
  const licenceFile = readdirSync(join(modules, name)).find((f) => /^(licen[cs]e|copying)/i.test(f));
  if (!licenceFile) throw new Error(`${name} ships no licence file`);
  return { name, version: json.version, license: json.license, licenceFile };
}

async function bundle(entry, globalName, outfile) {
  const result = await build({
    entryPoints: [join(here, "src", entry)],
    bundle: true,
    minify: true,
    format: "iife",
    globalName,
    target: "es2020",
    legalComments: "none", // the licences are shipped as files, listed in the manifest
    metafile: true,
    outfile,
    logLevel: "warning",
  });
  const names = new Set();
  for (const input of Object.keys(result.metafile.inputs)) {
    if (input.includes("node_modules/")) names.add(packageOf(join(here, input)));
  }
  return [...names].sort();
}

function record(folder, file, packages) {
  const data = readFileSync(join(folder, file));
  const licences = join(folder, "licences");
  mkdirSync(licences, { recursive: true });
  const held = packages.map((name) => {
    const m = meta(name);
    const copy = `${name.replace("@", "").replace("/", "__")}.${m.licenceFile.replace(/\.(md|txt)$/i, "")}.txt`;
    copyFileSync(join(modules, name, m.licenceFile), join(licences, copy));
    return { name, version: m.version, license: m.license, licence_file: `licences/${copy}` };
  });
  return {
    file,
    sha256: createHash("sha256").update(data).digest("hex"),
    bytes: data.length,
    gzip_bytes: gzipSync(data, { level: 9 }).length,
    packages: held,
  };
}

for (const folder of Object.values(targets)) {
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
}
const files = { static: [], tests: [] };

const geo = await bundle("geo.js", "kgGeo", join(targets.static, "geo.js"));
files.static.push(record(targets.static, "geo.js", geo));
// The atlas the maps draw: Natural Earth 1:50m (every small state has its shape), with the
// 30% least visible of its points dropped (Visvalingam weights, topojson-simplify) and its
// coordinates quantized to 20,000 steps: 285 kB instead of 756 kB, no country lost.
const world = JSON.parse(readFileSync(join(modules, "world-atlas/countries-50m.json"), "utf8"));
const weighted = presimplify(world);
const atlas = quantize(simplify(weighted, quantile(weighted, 0.3)), 2e4);
writeFileSync(join(targets.static, "countries.json"), JSON.stringify(atlas));
files.static.push(record(targets.static, "countries.json", ["world-atlas", "topojson-simplify", "topojson-client"]));
copyFileSync(join(modules, "cytoscape/dist/cytoscape.min.js"), join(targets.static, "cytoscape.min.js"));
files.static.push(record(targets.static, "cytoscape.min.js", ["cytoscape"]));
const cm = await bundle("codemirror.js", "kgCodeMirror", join(targets.static, "codemirror.js"));
files.static.push(record(targets.static, "codemirror.js", cm));
copyFileSync(join(modules, "axe-core/axe.min.js"), join(targets.tests, "axe.min.js"));
files.tests.push(record(targets.tests, "axe.min.js", ["axe-core"]));
copyFileSync(join(modules, "axe-core/LICENSE-3RD-PARTY.txt"), join(targets.tests, "licences/axe-core.LICENSE-3RD-PARTY.txt"));

for (const [key, folder] of Object.entries(targets)) {
  const total = files[key].reduce((sum, f) => sum + f.gzip_bytes, 0);
  const manifest = {
    note: "Generated by web/build.mjs from web/package-lock.json; do not edit. Rebuild: cd web && npm ci && node build.mjs",
    files: files[key],
    gzip_bytes_total: total,
  };
  writeFileSync(join(folder, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  console.log(`${relative(repo, folder)}: ${files[key].length} files, ${total} bytes gzipped`);
  for (const f of files[key]) console.log(`  ${f.file.padEnd(22)} ${String(f.bytes).padStart(9)} B  ${String(f.gzip_bytes).padStart(8)} B gz  ${f.packages.map((p) => `${p.name}@${p.version} (${p.license})`).join(", ")}`);
}
