// The router's GraphiQL page. build.mjs bundles this file, React, GraphiQL and
// graphql-ws into one HTML file that the router embeds, so the page loads nothing from
// anywhere but the router itself.
//
// - Queries and mutations are POSTed to the page's own URL (the router's GraphQL path).
// - Subscriptions use graphql-transport-ws on the same path (ws:// or wss:// of the page).
// - The player's access token, typed into the bar above GraphiQL, is kept in this
//   browser's localStorage and sent as `Authorization: Bearer …` on HTTP and in the
//   WebSocket's connection_init payload. An `Authorization` header written in GraphiQL's
//   headers editor takes precedence, on both transports.
// - `?query=` (and `?variables=`) open that operation in a tab, for links and tests.

import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import { useState } from "react";
import { createRoot } from "react-dom/client";
import "graphiql/style.css";
import "./page.css";

const TOKEN_KEY = "chaos:graphiql:token";

const endpoint = window.location.origin + window.location.pathname;
const wsEndpoint = endpoint.replace(/^http/, "ws");

// With `subscriptionUrl`, the toolkit opens one graphql-ws client per subscription
// with `connectionParams` = the headers handed to the fetcher, so the token reaches
// connection_init (and the socket closes when the subscription ends).
const transport = createGraphiQLFetcher({ url: endpoint, subscriptionUrl: wsEndpoint });

function readToken() {
  try {
    return window.localStorage.getItem(TOKEN_KEY) ?? "";
  } catch {
    return ""; // storage disabled: the token lives only as long as the page
  }
}

function writeToken(token) {
  try {
    if (token) window.localStorage.setItem(TOKEN_KEY, token);
    else window.localStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage disabled: nothing to keep
  }
}

let currentToken = readToken();

/** `abc`, `Bearer abc` and ` bearer abc ` all mean the token `abc`. */
function normalizeToken(raw) {
  return raw.trim().replace(/^bearer\s+/i, "");
}

/** The fetcher GraphiQL calls: adds the token unless the headers editor names one. */
function fetcher(params, options) {
  const headers = { ...(options?.headers ?? {}) };
  const hasAuthorization = Object.keys(headers).some(
    (name) => name.toLowerCase() === "authorization",
  );
  if (currentToken && !hasAuthorization) {
    headers.Authorization = `Bearer ${currentToken}`;
  }
  return transport(params, { ...options, headers });
}

function TokenBar() {
  const [token, setToken] = useState(currentToken);
  const onChange = (event) => {
    const next = normalizeToken(event.target.value);
    currentToken = next;
    writeToken(next);
    setToken(next);
  };
  return (
    <form className="chaos-token-bar" onSubmit={(event) => event.preventDefault()}>
      <label htmlFor="chaos-token">Player access token</label>
      <input
        id="chaos-token"
        name="chaos-token"
        type="password"
        autoComplete="off"
        spellCheck={false}
        placeholder="paste login.accessToken (sent as Authorization: Bearer …)"
        value={token}
        onChange={onChange}
      />
      <span className="chaos-token-state" data-signed-in={token ? "true" : "false"}>
        {token ? "signed in" : "anonymous"}
      </span>
    </form>
  );
}

const DEFAULT_QUERY = `# Chaos supergraph. Sign in, then paste the access token above:
#
# mutation { login(username: "admin", password: "chaos-admin") { accessToken } }
#
# Subscriptions run over graphql-transport-ws on this same URL, e.g.
# subscription { actorUpdated(actorId: "…") { level experience } }

query Me {
  me {
    username
    actors { id name level }
  }
}
`;

function App() {
  const search = new URLSearchParams(window.location.search);
  // Only set when given: an undefined `query` lets GraphiQL restore its stored tabs.
  const linked = {};
  if (search.has("query")) linked.query = search.get("query");
  if (search.has("variables")) linked.variables = search.get("variables");
  return (
    <div className="chaos-page">
      <TokenBar />
      <div className="chaos-graphiql">
        <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} {...linked}>
          <GraphiQL.Logo>Chaos</GraphiQL.Logo>
        </GraphiQL>
      </div>
    </div>
  );
}

createRoot(document.getElementById("root")).render(<App />);
