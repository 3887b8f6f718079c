// Bundles src/main.jsx (GraphiQL, React, graphql-ws and their CSS) with esbuild and
// writes ONE self-contained page, <out dir>/graphiql.html, with the script and the
// styles inlined: the page requests nothing but the router's own GraphQL endpoint.
//
//   node build.mjs <out dir>
//
// router/build.rs runs this with cargo's OUT_DIR; the router embeds the file.

import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = process.argv[2];
if (!outDir) {
  console.error("usage: node build.mjs <out dir>");
  process.exit(2);
}

const result = await esbuild.build({
  entryPoints: [join(here, "src/main.jsx")],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  jsx: "automatic",
  define: { "process.env.NODE_ENV": '"production"' },
  // Anything a stylesheet points at becomes a data: URL (GraphiQL's own fonts already are).
  loader: { ".woff": "dataurl", ".woff2": "dataurl", ".png": "dataurl", ".svg": "dataurl" },
  // esbuild needs an output location to name the JS and CSS outputs; nothing is written.
  outdir: "bundle",
  write: false,
  logLevel: "warning",
});

const output = (extension) => {
  const file = result.outputFiles.find((f) => f.path.endsWith(extension));
  if (!file) throw new Error(`esbuild produced no ${extension} output`);
  return file.text;
};

// Inside <script> and <style>, only a closing tag (or a comment opener, for scripts)
// can end the element early. The minified JS has them only inside string literals,
// where "<\/" means the same thing; the CSS must have none.
const js = output(".js").replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
const css = output(".css");
if (/<\/style/i.test(css)) throw new Error("the bundled CSS contains </style");

const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Chaos GraphiQL</title>
    <link rel="icon" href="data:," />
    <style>${css}</style>
  </head>
  <body>
    <noscript>GraphiQL needs JavaScript.</noscript>
    <div id="root"></div>
    <script>${js}</script>
  </body>
</html>
`;

// The page must not reach out: no <script src>, <link href> or CSS url() off the page.
for (const [what, pattern] of [
  ["an external script", /<script[^>]+src=/i],
  ["an external stylesheet", /<link[^>]+rel=["']?stylesheet/i],
  ["a CSS url() that is not data:", /url\(\s*["']?(?!data:)[a-z]+:/i],
]) {
  if (pattern.test(css) || pattern.test(html.replace(js, ""))) {
    throw new Error(`the page would load ${what}`);
  }
}

await mkdir(outDir, { recursive: true });
const target = join(outDir, "graphiql.html");
await writeFile(target, html);
console.log(`wrote ${target} (${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB)`);
