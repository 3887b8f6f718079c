// The router's GraphiQL page in Debian's Chromium, driven by tests/e2e/graphiql.rs:
//
// 1. every request that is not to 127.0.0.1 / localhost is blocked, and the test fails
//    if the page attempted any (the page must work offline);
// 2. the page renders GraphiQL; a query typed as `?query=` runs with the player's token
//    entered in the token field, and the result pane shows the player's actor;
// 3. a subscription (`actorUpdated`) runs over graphql-transport-ws on the same URL; once
//    the subscribe message is on the wire this prints `SUBSCRIBED` on stdout, the Rust
//    side grants experience, and the event must appear in the result pane.
//
// Exit code 0 means every check passed. Logs go to stderr; stdout carries only the
// `SUBSCRIBED` line. Set CHAOS_BROWSER_ARTIFACTS to a folder to get a screenshot on failure.
//
// Environment: CHAOS_BROWSER_PORT (the router's port), CHAOS_BROWSER_TOKEN (a player's
// access token), CHAOS_BROWSER_ACTOR_ID and CHAOS_BROWSER_ACTOR_NAME (that player's
// actor), CHROMIUM_PATH (default /usr/bin/chromium).

import { join } from "node:path";
import { chromium } from "playwright-core";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const port = env("CHAOS_BROWSER_PORT");
const token = env("CHAOS_BROWSER_TOKEN");
const actorId = env("CHAOS_BROWSER_ACTOR_ID");
const actorName = env("CHAOS_BROWSER_ACTOR_NAME");
const executablePath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

const origin = `http://127.0.0.1:${port}`;
const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);
const STEP_TIMEOUT = 30_000;

const log = (...args) => console.error("[graphiql.test]", ...args);

const QUERY = "query MyActors { me { actors { id name } } }";
const SUBSCRIPTION = `subscription Live { actorUpdated(actorId: "${actorId}") { experience } }`;

/** The result pane's text (GraphiQL 4 keeps it in a CodeMirror 5 editor). */
async function responseText(page) {
  return page.evaluate(() => {
    const pane = document.querySelector(".graphiql-response");
    if (!pane) return "";
    const editor = pane.querySelector(".CodeMirror");
    return editor?.CodeMirror?.getValue() ?? pane.textContent ?? "";
  });
}

async function waitForResponse(page, what, check) {
  const deadline = Date.now() + STEP_TIMEOUT;
  let text = "";
  while (Date.now() < deadline) {
    text = await responseText(page);
    if (check(text)) return text;
    await page.waitForTimeout(100);
  }
  throw new Error(`timed out waiting for ${what}; the result pane shows:\n${text}`);
}

/** Opens the page with `query` in a tab and waits for the editor to render. */
async function open(page, query) {
  await page.goto(`${origin}/graphql?query=${encodeURIComponent(query)}`, {
    waitUntil: "load",
  });
  await page.locator(".graphiql-container").waitFor({ timeout: STEP_TIMEOUT });
  await page.locator(".graphiql-query-editor .CodeMirror").first().waitFor({ timeout: STEP_TIMEOUT });
  await page.locator(".graphiql-execute-button").waitFor({ timeout: STEP_TIMEOUT });
}

const browser = await chromium.launch({
  executablePath,
  headless: true,
  // Root on CI: Chromium's sandbox needs user namespaces it may not get there.
  args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run"],
});
let page;
const watchdog = setTimeout(() => {
  log("timed out after 120 s");
  process.exit(1);
}, 120_000);
try {
  const context = await browser.newContext();
  const offsite = [];
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (LOCAL_HOSTS.has(url.hostname)) return route.continue();
    offsite.push(url.href);
    return route.abort("blockedbyclient");
  });
  page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  page.on("console", (message) => log(`console.${message.type()}:`, message.text()));
  const sockets = [];
  let subscribed = false;
  page.on("websocket", (socket) => {
    sockets.push(socket.url());
    log("WebSocket opened:", socket.url());
    socket.on("framesent", ({ payload }) => {
      const message = JSON.parse(String(payload));
      if (message.type === "connection_init") {
        const auth = message.payload?.Authorization;
        if (auth !== `Bearer ${token}`) {
          pageErrors.push(`connection_init carried Authorization ${JSON.stringify(auth)}`);
        }
      }
      if (message.type === "subscribe") subscribed = true;
    });
    socket.on("framereceived", ({ payload }) => log("WebSocket received:", String(payload)));
  });

  // 1. The page renders; the token typed in the field is kept and used on HTTP.
  await open(page, QUERY);
  log("GraphiQL rendered");
  await page.locator("#chaos-token").fill(`Bearer ${token}`);
  await page.locator(".graphiql-execute-button").click();
  await waitForResponse(page, "the query's result", (text) => text.includes(actorName));
  const result = JSON.parse(await responseText(page));
  const actors = result?.data?.me?.actors ?? [];
  if (!actors.some((actor) => actor.id === actorId && actor.name === actorName)) {
    throw new Error(`the query did not list the actor: ${JSON.stringify(result)}`);
  }
  log("query answered:", JSON.stringify(result));

  // 2. A subscription over the WebSocket, with the token from storage.
  await open(page, SUBSCRIPTION);
  const kept = await page.locator("#chaos-token").inputValue();
  if (kept !== token) throw new Error(`the token field holds ${JSON.stringify(kept)} after a reload`);
  await page.locator(".graphiql-execute-button").click();
  const deadline = Date.now() + STEP_TIMEOUT;
  while (!subscribed) {
    if (Date.now() > deadline) throw new Error("GraphiQL sent no subscribe message");
    await page.waitForTimeout(50);
  }
  process.stdout.write("SUBSCRIBED\n");
  const event = await waitForResponse(page, "a subscription event", (text) =>
    /"experience":\s*[1-9]/.test(text),
  );
  log("subscription event:", event);

  // 3. Nothing left 127.0.0.1, and the page threw nothing.
  const foreign = sockets.filter((url) => !LOCAL_HOSTS.has(new URL(url).hostname));
  if (offsite.length > 0 || foreign.length > 0) {
    throw new Error(`the page reached outside 127.0.0.1: ${[...offsite, ...foreign].join(", ")}`);
  }
  if (pageErrors.length > 0) throw new Error(`page errors:\n${pageErrors.join("\n")}`);
  if (!sockets.some((url) => url === `ws://127.0.0.1:${port}/graphql`)) {
    throw new Error(`no WebSocket to ws://127.0.0.1:${port}/graphql: ${sockets.join(", ")}`);
  }
  log("all checks passed");
} catch (error) {
  log("FAILED:", error?.stack ?? error);
  const artifacts = process.env.CHAOS_BROWSER_ARTIFACTS;
  if (artifacts && page) {
    const path = join(artifacts, "graphiql-failure.png");
    await page.screenshot({ path, fullPage: true }).catch(() => {});
    log("screenshot:", path);
  }
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await browser.close();
}
